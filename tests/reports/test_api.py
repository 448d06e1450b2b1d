"""The review API: reviews (PATCH bound to a revision, sign-off) and action items, attacked
with other people's ids, incidents one may not view, bad input and the browsable API."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crisis.choices import Confidentiality, IncidentStatus
from reports import services
from reports.models import ActionItem, ReviewSignOff, ReviewVersion
from teams.models import Role
from teams.services import role_assign
from tests.conftest import as_new_request, count_queries, grant
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def people(db, admin):
    """A confidential incident in recovery with its lead, sponsor and scribe; someone
    signed in who is on no team; and its review."""
    incident = IncidentFactory(status=IncidentStatus.RECOVERING, summary="Kettles overheat.",
                               confidentiality=Confidentiality.CONFIDENTIAL)
    found = {"incident": incident, "admin": admin,
             "stranger": UserFactory(username="stranger")}
    for code in ("lead", "executive_sponsor", "scribe", "observer"):
        user = UserFactory(username=code)
        role_assign(actor=admin, incident=incident, user=user, role=Role.objects.get(code=code))
        found[code] = type(user).objects.get(pk=user.pk)
    found["review"] = services.review_open(incident=incident, actor=found["lead"])
    return found


def _as(api_client, user):
    return as_new_request(api_client, user)


def _detail(review):
    return reverse("api:review-detail", args=[review.pk])


# --- reading ---------------------------------------------------------------------------------

def test_reviews_are_listed_and_read_only_by_those_who_may_view_the_incident(api_client,
                                                                             people):
    review = people["review"]
    client = _as(api_client, people["observer"])
    listed = client.get(reverse("api:review-list"), {"incident": people["incident"].pk})
    assert [r["id"] for r in listed.json()["results"]] == [review.pk]
    body = client.get(_detail(review)).json()
    assert body["current"]["number"] == 1 and body["can_edit"] is False
    assert body["my_sign_off_roles"] == []

    client = _as(api_client, people["stranger"])
    assert client.get(reverse("api:review-list")).json()["results"] == []
    assert client.get(_detail(review)).status_code == 404
    assert client.patch(_detail(review), {"base_revision": 1, "lessons": "x"},
                        format="json").status_code == 404
    assert client.post(reverse("api:review-sign-off", args=[review.pk]), {"version": 1},
                       format="json").status_code == 404
    assert "Kettles" not in client.get(reverse("api:action-item-list")).content.decode()


def test_ids_no_database_holds_are_not_found(api_client, people):
    client = _as(api_client, people["lead"])
    for pk in (2**40, 2**70):
        assert client.get(reverse("api:review-detail", args=[pk])).status_code == 404
        assert client.get(reverse("api:action-item-detail", args=[pk])).status_code == 404
        assert client.post(reverse("api:review-sign-off", args=[pk]), {"version": 1},
                           format="json").status_code == 404


def test_the_review_list_costs_the_same_for_one_review_or_five(api_client, people, admin):
    client = _as(api_client, admin)
    one = count_queries(lambda: client.get(reverse("api:review-list")))
    for _n in range(4):
        incident = IncidentFactory(status=IncidentStatus.CLOSED)
        services.review_open(incident=incident)
    client = _as(api_client, admin)
    response = None

    def ask():
        nonlocal response
        response = client.get(reverse("api:review-list"))

    assert count_queries(ask) == one
    assert response.json()["count"] == 5


# --- editing ---------------------------------------------------------------------------------

def test_patch_changes_the_text_from_its_revision_and_409s_from_an_older_one(api_client,
                                                                           people):
    review = people["review"]
    client = _as(api_client, people["scribe"])
    response = client.patch(_detail(review), {"base_revision": 1, "lessons": "Drill twice."},
                            format="json")
    assert response.status_code == 200, response.content
    assert response.json()["current"]["revision"] == 2
    assert response.json()["current"]["lessons"] == "Drill twice."

    stale = client.patch(_detail(review), {"base_revision": 1, "lessons": "Overwrite."},
                         format="json")
    assert stale.status_code == 409
    assert stale.json()["revision"] == 2 and "revision 2" in stale.json()["detail"]
    assert ReviewVersion.objects.get(review=review).lessons == "Drill twice."


@pytest.mark.parametrize(("body", "field"), [
    ({"lessons": "No revision."}, "base_revision"),
    ({"base_revision": "one", "lessons": "x"}, "base_revision"),
    ({"base_revision": 1, "lessons": 7}, "lessons"),
    ({"base_revision": 1, "metrics": {"faked": 1}}, "metrics"),
    ({"base_revision": 1, "executive_summary": "word " * 201}, "executive_summary"),
    ({"language": "fr"}, "language"),
    ({}, "non_field_errors"),
    ({"base_revision": 2**40, "lessons": "x"}, None),
])
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api_client, people, body,
                                                                  field):
    review = people["review"]
    before = list(ReviewVersion.objects.values())
    response = _as(api_client, people["lead"]).patch(_detail(review), body, format="json")
    assert response.status_code == (400 if field else 409), response.content
    assert field is None or field in response.json()
    assert list(ReviewVersion.objects.values()) == before


def test_those_who_may_only_view_get_403_and_nothing_changes(api_client, people):
    review = people["review"]
    for user in (people["observer"], people["executive_sponsor"]):
        response = _as(api_client, user).patch(_detail(review),
                                                {"base_revision": 1, "lessons": "x"},
                                                format="json")
        assert response.status_code == 403
    assert ReviewVersion.objects.get(review=review).revision == 1


def test_patch_sets_the_language(api_client, people):
    review = people["review"]
    response = _as(api_client, people["lead"]).patch(_detail(review), {"language": "zh-hans"},
                                                     format="json")
    assert response.status_code == 200 and response.json()["language"] == "zh-hans"


# --- signing off -----------------------------------------------------------------------------

def test_sign_off_by_both_roles_then_an_edit_starts_version_2(api_client, people):
    review = people["review"]
    sign = reverse("api:review-sign-off", args=[review.pk])
    assert _as(api_client, people["lead"]).get(_detail(review)).json()[
        "my_sign_off_roles"] == ["lead"]
    first = _as(api_client, people["lead"]).post(sign, {"version": 1}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["role"] == "lead"
    again = _as(api_client, people["lead"]).post(sign, {"version": 1}, format="json")
    assert again.status_code == 409 and "already signed" in again.json()["detail"]
    second = _as(api_client, people["executive_sponsor"]).post(sign, {"version": 1},
                                                               format="json")
    assert second.status_code == 201
    body = _as(api_client, people["lead"]).get(_detail(review)).json()
    assert body["current"]["signed_off_at"] and body["current"]["is_locked"]

    edited = _as(api_client, people["scribe"]).patch(
        _detail(review), {"base_revision": 1, "went_well": "The hotline."}, format="json")
    assert edited.json()["current"]["number"] == 2
    assert [v["number"] for v in edited.json()["versions"]] == [2, 1]
    old = _as(api_client, people["lead"]).post(sign, {"version": 1}, format="json")
    assert old.status_code == 409 and "version 2" in old.json()["detail"]


def test_an_administrator_does_not_sign_for_the_lead(api_client, people):
    review = people["review"]
    response = _as(api_client, people["admin"]).post(
        reverse("api:review-sign-off", args=[review.pk]), {"version": 1, "role": "lead"},
        format="json")
    assert response.status_code == 403
    assert not ReviewSignOff.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({}, "version"), ({"version": "x"}, "version"), ({"version": 1, "role": "ceo"}, "role"),
    ({"version": 5}, "version"), ({"version": 1, "extra": 1}, "extra"),
    ({"version": 2**40}, "version"), ({"version": 2**70}, "version"),
    ({"version": True}, "version"),
])
def test_sign_off_bad_input_names_the_field(api_client, people, body, field):
    response = _as(api_client, people["lead"]).post(
        reverse("api:review-sign-off", args=[people["review"].pk]), body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not ReviewSignOff.objects.exists()


# --- action items ----------------------------------------------------------------------------

def _item_body(people, **fields):
    return {"review": people["review"].pk, "title": "Rewrite the recall playbook",
            "owner": people["scribe"].pk, "due_on": TOMORROW, **fields}


def test_action_items_are_added_filtered_and_changed(api_client, people):
    client = _as(api_client, people["lead"])
    created = client.post(reverse("api:action-item-list"), _item_body(people), format="json")
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["owner"]["id"] == people["scribe"].pk and item["is_overdue"] is False
    ActionItem.objects.create(review=people["review"], title="Late one",
                              owner=people["observer"], created_by=people["lead"],
                              due_on=timezone.localdate() - datetime.timedelta(days=2))

    def ids(**query):
        return [i["id"] for i in client.get(reverse("api:action-item-list"), query)
                .json()["results"]]

    assert len(ids(incident=people["incident"].pk)) == 2
    assert ids(owner=people["scribe"].pk) == [item["id"]]
    assert ids(overdue="true") != [item["id"]] and len(ids(overdue="true")) == 1
    assert ids(overdue="false") == [item["id"]]
    assert ids(status="done") == []
    assert client.get(reverse("api:action-item-list"), {"status": "late"}).status_code == 400
    assert client.get(reverse("api:action-item-list"), {"review": "x"}).status_code == 400

    # The observer owns one (and may only view the incident): its status, nothing else.
    mine = client.post(reverse("api:action-item-list"),
                       _item_body(people, owner=people["observer"].pk), format="json").json()
    owner = _as(api_client, people["observer"])
    detail = reverse("api:action-item-detail", args=[mine["id"]])
    assert owner.patch(detail, {"status": "in_progress"}, format="json").status_code == 200
    refused = owner.patch(detail, {"title": "Mine now"}, format="json")
    assert refused.status_code == 403
    assert ActionItem.objects.get(pk=mine["id"]).title == "Rewrite the recall playbook"
    other = reverse("api:action-item-detail", args=[item["id"]])
    assert owner.patch(other, {"status": "done"}, format="json").status_code == 403
    assert _as(api_client, people["scribe"]).patch(other, {"title": "Rewrite it"},
                                                   format="json").status_code == 200


@pytest.mark.parametrize(("fields", "field"), [
    ({"due_on": "2001-01-01"}, "due_on"),
    ({"due_on": "tomorrow"}, "due_on"),
    ({"owner": 999999}, "owner"),
    ({"title": ""}, "title"),
    ({"changes": "watch"}, "watch"),
    ({"changes": "playbook", "playbook": 999999}, "playbook"),
    ({"status": "finished"}, "status"),
    ({"review": 999999}, "review"),
    ({"review": 2**70}, "review"),
    ({"owner": 2**62}, "owner"),
    ({"changes": "watch", "watch": 2**62}, "watch"),
])
def test_action_item_bad_input_names_the_field(api_client, people, fields, field):
    response = _as(api_client, people["lead"]).post(reverse("api:action-item-list"),
                                                    _item_body(people, **fields), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ActionItem.objects.exists()


def test_an_owner_who_may_not_view_and_a_hidden_review_are_refused(api_client, people):
    client = _as(api_client, people["lead"])
    response = client.post(reverse("api:action-item-list"),
                           _item_body(people, owner=people["stranger"].pk), format="json")
    assert response.status_code == 400 and "owner" in response.json()
    hidden = _as(api_client, people["stranger"]).post(reverse("api:action-item-list"),
                                                       _item_body(people), format="json")
    assert hidden.status_code == 400 and "review" in hidden.json()
    assert not ActionItem.objects.exists()


# --- the browsable API -----------------------------------------------------------------------

def test_the_browsable_api_offers_forms_only_to_those_who_may_send_them(client, people):
    review = people["review"]
    client.force_login(people["observer"])
    page = client.get(_detail(review), HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert "Make a PATCH request" not in page.content.decode()
    client.force_login(people["lead"])
    page = client.get(_detail(review), HTTP_ACCEPT="text/html").content.decode()
    assert "Make a PATCH request" in page
    sign = client.get(reverse("api:review-sign-off", args=[review.pk]), HTTP_ACCEPT="text/html")
    assert sign.status_code == 405 and 'name="version"' in sign.content.decode()
    client.force_login(people["stranger"])
    assert client.get(_detail(review), HTTP_ACCEPT="text/html").status_code == 404
    page = client.get(reverse("api:action-item-list"), HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    # The owner is a number field: the form lists nobody (the lead is on a team the
    # stranger may not see).
    assert 'name="owner"' in page.content.decode()
    assert people["lead"].get_full_name() not in page.content.decode()
    bad = client.post(reverse("api:action-item-list"), {"review": review.pk, "title": "x",
                                                        "owner": "", "due_on": "garbage"},
                      HTTP_ACCEPT="text/html")
    assert bad.status_code == 400



# --- the Django admin ------------------------------------------------------------------------

def test_the_admin_shows_reviews_of_visible_incidents_and_changes_nothing(client, people):
    from django.contrib.auth.models import Group

    review, version = people["review"], people["review"].current
    client.force_login(people["admin"])
    for name, args in (("admin:reports_postincidentreview_change", [review.pk]),
                       ("admin:reports_reviewversion_change", [version.pk]),
                       ("admin:reports_actionitem_changelist", [])):
        page = client.get(reverse(name, args=args))
        assert page.status_code == 200, name
        assert 'name="_save"' not in page.content.decode()
    posted = client.post(reverse("admin:reports_reviewversion_change", args=[version.pk]),
                         {"executive_summary": "Changed in the admin."})
    assert posted.status_code == 403
    assert ReviewVersion.objects.get(pk=version.pk).executive_summary != "Changed in the admin."

    auditor = UserFactory(username="staff-auditor", is_staff=True)
    auditor.groups.add(Group.objects.get(name="Auditors"))
    auditor = grant(auditor, "reports.view_postincidentreview")
    restricted = IncidentFactory(status=IncidentStatus.CLOSED, title="Restricted one",
                                 confidentiality=Confidentiality.RESTRICTED)
    services.review_open(incident=restricted)
    client.force_login(auditor)  # restricted incidents, not the confidential one
    listing = client.get(reverse("admin:reports_postincidentreview_changelist"))
    assert listing.status_code == 200
    assert restricted.reference in listing.content.decode()
    assert people["incident"].reference not in listing.content.decode()
