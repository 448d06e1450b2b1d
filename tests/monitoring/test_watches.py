"""Watches through /api/watches/: administrators add and change them, analysts and
executives read them; each term is checked (monitoring.watches.check_watch, which the
admin's form uses too) before the matcher ever sees it."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from monitoring.matching import watch_matcher
from monitoring.models import Watch
from monitoring.permissions import VIEW_ALERT
from tests.conftest import grant
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db
WATCHES = "/api/watches/"


@pytest.fixture
def admin_api():
    client = APIClient()
    client.force_authenticate(grant(UserFactory(), "monitoring.add_watch",
                                    "monitoring.change_watch", "monitoring.view_watch"))
    return client


def test_a_watch_is_added_read_and_changed_and_the_matcher_follows(admin_api):
    added = admin_api.post(WATCHES, {"name": "Kettle", "include_terms": [" kettle ", "kettle",
                                                                         "水壺", "\u200b"],
                                     "languages": ["en", "zh"]}, format="json")
    assert added.status_code == 201, added.content
    watch = Watch.objects.get()
    assert watch.include_terms == ["kettle", "水壺"]  # trimmed, once each, the blank dropped
    assert watch_matcher().match("新水壶漏水", language="zh-Hans") == [watch.pk]
    changed = admin_api.patch(reverse("api:watch-detail", args=[watch.pk]),
                              {"exclude_terms": ["二手"]}, format="json")
    assert changed.status_code == 200 and changed.json()["exclude_terms"] == ["二手"]
    assert watch_matcher().match("二手水壶漏水", language="zh-Hans") == []

    reader = APIClient()
    reader.force_authenticate(grant(UserFactory(), VIEW_ALERT))  # an executive
    assert reader.get(WATCHES).json()[0]["name"] == "Kettle"
    assert reader.post(WATCHES, {"name": "Mine", "include_terms": ["x"]},
                       format="json").status_code == 403
    assert reader.patch(reverse("api:watch-detail", args=[watch.pk]), {"name": "Mine"},
                        format="json").status_code == 403


@pytest.mark.parametrize(("terms", "says"), [
    (["#"], "no letter, digit or emoji"),  # every hashtag would be a match
    (["!!!"], "no letter, digit or emoji"),
    (["X2\nkettle"], "line break"),
    (["X2\u200bkettle"], "X2\\u200bkettle"),
    (["\u200b", "  "], "at least one term"),
    (["k" * 101], "longer than 100"),
    ([f"t{n}" for n in range(201)], "At most 200"),
])
def test_a_term_that_would_match_nothing_or_anything_is_refused_naming_it(admin_api, terms,
                                                                           says):
    answer = admin_api.post(WATCHES, {"name": "Bad", "include_terms": terms}, format="json")
    assert answer.status_code == 400
    assert says in answer.json()["include_terms"][0]
    assert not Watch.objects.exists()


def test_emoji_and_symbols_with_letters_are_terms(admin_api):
    answer = admin_api.post(WATCHES, {"name": "Fire", "include_terms": ["🔥", "C++", "#X2"]},
                            format="json")
    assert answer.status_code == 201, answer.content
