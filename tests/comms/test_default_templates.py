"""The statement templates shipped by migration comms 0004."""

import pytest

from comms import drafting
from comms.models import StatementTemplate
from tests.crisis.factories import IncidentFactory

pytestmark = pytest.mark.django_db

KINDS = ["holding", "apology", "correction", "regulator_notice", "internal_memo",
         "customer_notice"]


@pytest.mark.parametrize("language", ["en", "zh-hant", "zh-hans"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_ships_in_every_language_with_its_frame(kind, language):
    template = StatementTemplate.objects.get(kind=kind, language=language,
                                             incident_type=None)
    for field in ("title", "what_happened", "when", "where", "who_is_affected",
                  "what_we_do", "body"):
        assert getattr(template, field).strip(), field
    filled = drafting.fill(template, IncidentFactory(title="X2 overheating"))
    assert filled.unknown == []  # every placeholder is one the drafting fills
    assert not drafting.unknown_placeholders(filled.values.values())
    assert "X2 overheating" in filled.values["title"] + filled.values["body"]
