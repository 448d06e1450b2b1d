"""Text joined in the reader's language (core/text.py): a label and its value, the items
of a list. The separators are msgids of their own, so 繁體中文 and 简体中文 get "：" and
"、" where English has ": " and ", " (in Python and in the templates alike)."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import trans_real

from crisis.choices import IncidentStatus
from reports.services import prefill_impact
from tests.crisis.factories import IncidentFactory


@pytest.fixture
def chinese_separators(monkeypatch):
    """The separators as the catalogs give them (set here: the lead fills the catalogs)."""
    catalog = trans_real.translation("zh-hant")._catalog._catalogs[0]
    monkeypatch.setitem(catalog, "between a label and its value\x04: ", "：")
    monkeypatch.setitem(catalog, "list separator\x04, ", "、")


@pytest.mark.django_db
def test_labels_and_lists_are_joined_with_the_languages_punctuation(chinese_separators):
    incident = IncidentFactory(status=IncidentStatus.CONTAINED,
                               stakeholder_kinds=["customers", "media"],
                               affected_products=["K2", "K3"], affected_regions=["TW", "HK"])
    context = {"errors": {"mine": ["Use true or false."]}}

    with translation.override("zh-hant"):
        impact = prefill_impact(incident)
        errors = render_to_string("includes/filter_errors.html", context)
    with translation.override("en"):
        english = (prefill_impact(incident),
                   render_to_string("includes/filter_errors.html", context))

    assert "K2、K3" in impact and "TW、HK" in impact and ", " not in impact
    assert "<code>mine</code>：Use true or false." in errors
    assert "K2, K3" in english[0] and "<code>mine</code>: Use true or false." in english[1]
