"""comms.drafting: which template a statement starts from, and how it is filled."""

import datetime

import pytest
from django.utils import timezone

from comms.drafting import fill, template_for
from comms.models import StatementTemplate
from tests.crisis.factories import IncidentFactory, IncidentTypeFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 3, 8, 30, tzinfo=datetime.UTC)


def template(**fields):
    values = {"kind": "holding", "language": "en", "name": "Holding", "title": "T"} | fields
    return StatementTemplate.objects.create(**values)


@pytest.fixture(autouse=True)
def no_shipped_templates():
    """The shipped defaults (a data migration) would compete with the ones made here."""
    StatementTemplate.objects.update(is_active=False)


def test_a_template_for_the_incidents_type_wins_over_one_for_every_type():
    product = IncidentTypeFactory(code="product")
    incident = IncidentFactory(type=product)
    every_type = template(name="Any type")
    own_type = template(name="Product", incident_type=product)
    template(name="Other type", incident_type=IncidentTypeFactory(code="data_security"))
    template(name="Inactive", incident_type=product, is_active=False)
    assert template_for(incident=incident, kind="holding", language="en") == own_type
    own_type.is_active = False
    own_type.save()
    assert template_for(incident=incident, kind="holding", language="en") == every_type
    assert template_for(incident=incident, kind="holding", language="zh-hant") is None
    assert template_for(incident=incident, kind="apology", language="en") is None


def test_fill_replaces_the_known_placeholders_and_lists_the_unknown_ones():
    incident = IncidentFactory(title="Kettles overheat", affected_products=["K2", "K3"],
                               affected_regions=["Taiwan", "Hong Kong"])
    holding = template(
        title="{{incident.title}} ({{ incident.reference }})",
        what_happened="{{  incident.products  }} in {{ incident.regions }}.",
        what_we_do="Next update: {{ next_update }}. {{ incident.created_by.email }}",
        body="Dear {{ customer }}, {{customer}} {{ incident.summary }}")
    with timezone.override("Asia/Taipei"):
        filled = fill(holding, incident, now=NOW)
    assert filled.values["title"] == f"Kettles overheat ({incident.reference})"
    assert filled.values["what_happened"] == "K2, K3 in Taiwan, Hong Kong."
    # Now + an hour in the local time zone, in the template's language.
    assert filled.values["what_we_do"] == (
        "Next update: May 3, 2026, 5:30 p.m. (CST). {{ incident.created_by.email }}")
    # Unknown placeholders stay visible (never read from the incident) and are listed once.
    assert filled.values["body"] == "Dear {{ customer }}, {{customer}} {{ incident.summary }}"
    assert filled.unknown == ["incident.created_by.email", "customer", "incident.summary"]
    assert filled.values["when"] == ""


def test_chinese_templates_join_lists_with_the_chinese_separator():
    incident = IncidentFactory(affected_products=["電熱水壺 K2", "K3"],
                               affected_regions=["台灣", "香港"])
    filled = fill(template(language="zh-hant", where="{{ incident.regions }}",
                           what_happened="{{ incident.products }}",
                           what_we_do="{{ next_update }}"), incident, now=NOW)
    assert filled.values["where"] == "台灣、香港"
    assert filled.values["what_happened"] == "電熱水壺 K2、K3"
    assert filled.values["what_we_do"].startswith("2026年5月3日")
    assert filled.unknown == []
