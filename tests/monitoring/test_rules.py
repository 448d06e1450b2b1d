"""The early warning in the admin. Warning rules are checked the same way in the admin and
the API (every value within its limits, at least one threshold; a refused rule is not
stored); a watch's recipients read in the reader's language."""

import pytest
from django.test import Client

from monitoring.models import WarningRule
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

RULE = {"name": "Nonsense", "level": "yellow", "window_minutes": "10", "min_mentions": "10",
        "negative_share": "0.5", "persistence": "1", "cooldown_minutes": "60",
        "is_active": "on"}


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(("field", "value"), [
    ("negative_share", "5"), ("window_minutes", "0"), ("persistence", "0"),
    ("cooldown_minutes", "0"), ("negative_share", ""), ("volume_z", "-5"),
])
def test_the_admin_refuses_a_rule_out_of_its_limits_or_without_a_threshold(
        admin_client, field, value):
    before = WarningRule.objects.count()
    page = admin_client.post("/admin/monitoring/warningrule/add/", {**RULE, field: value})
    assert page.status_code == 200  # the form again, with the error
    errors = page.context["adminform"].form.errors
    assert errors and (field in errors or "volume_ratio" in errors)
    assert WarningRule.objects.count() == before
    saved = admin_client.post("/admin/monitoring/warningrule/add/", RULE)
    assert saved.status_code == 302 and WarningRule.objects.count() == before + 1


def test_the_api_refuses_a_negative_share_over_one(admin_client):
    answer = admin_client.post("/api/warning-rules/", {**RULE, "negative_share": 5,
                                                       "is_active": True},
                               content_type="application/json")
    assert answer.status_code == 400 and "negative_share" in answer.json()


def test_a_watch_recipient_reads_with_its_level_in_the_readers_language():
    from django.utils import translation

    from monitoring.models import Watch, WatchRecipient

    recipient = WatchRecipient.objects.create(
        watch=Watch.objects.create(name="Lumora brand", include_terms=["Lumora"]),
        user=UserFactory(username="priya", first_name="Priya", last_name="Nair"), level="blue")
    with translation.override("zh-hant"):
        assert str(recipient).endswith("(藍色)")
