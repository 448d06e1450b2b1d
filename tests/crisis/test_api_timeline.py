import pytest

from crisis import selectors
from crisis.models import TimelineEntry
from tests.conftest import as_new_request, count_queries
from tests.crisis.factories import IncidentFactory, TimelineEntryFactory
from tests.crisis.helpers import db_state

pytestmark = pytest.mark.django_db


def timeline_url(incident_pk) -> str:
    return f"/api/incidents/{incident_pk}/timeline/"


def entry_url(entry, action="") -> str:
    return f"/api/incidents/{entry.incident_id}/timeline/{entry.pk}/" + (
        f"{action}/" if action else "")


WRITERS = [("anonymous", 401), ("outsider", 403), ("contributor", 201), ("lead", 201)]


@pytest.mark.parametrize(("who", "expected"), WRITERS)
def test_write_a_note_by_role_and_refusals_change_nothing(api_client, sign_in, who, expected):
    incident = IncidentFactory()
    user = sign_in(who)
    before = db_state()

    response = api_client.post(timeline_url(incident.pk),
                               {"kind": "note", "body": "Influencer @x reposted"},
                               format="json")

    assert response.status_code == expected
    if expected == 201:
        entry = TimelineEntry.objects.get(incident=incident)
        assert (entry.kind, entry.actor, entry.body) == ("note", user, "Influencer @x reposted")
        assert response.json()["id"] == entry.pk
        assert response.json()["actor"]["id"] == user.pk
    else:
        assert db_state() == before


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("outsider", 403), ("contributor", 200), ("lead", 200)],
)
def test_pin_by_role_and_refusals_change_nothing(api_client, sign_in, who, expected):
    entry = TimelineEntryFactory()
    sign_in(who)
    before = db_state()

    response = api_client.post(entry_url(entry, "pin"), {"pinned": True}, format="json")

    assert response.status_code == expected
    entry.refresh_from_db()
    if expected == 200:
        assert entry.pinned is True
        assert response.json()["pinned"] is True
    else:
        assert db_state() == before


def test_unpin(api_client, contributor):
    entry = TimelineEntryFactory(pinned=True)
    api_client.force_authenticate(contributor)

    response = api_client.post(entry_url(entry, "pin"), {"pinned": False}, format="json")

    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.pinned is False


@pytest.mark.parametrize("who", ["contributor", "lead"])
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_entries_are_append_only(api_client, sign_in, who, method):
    entry = TimelineEntryFactory(body="As written")
    sign_in(who)
    before = db_state()

    on_entry = getattr(api_client, method)(entry_url(entry), {"body": "Rewritten"},
                                           format="json")
    on_list = getattr(api_client, method)(timeline_url(entry.incident_id), {"body": "x"},
                                          format="json")
    on_pin = getattr(api_client, method)(entry_url(entry, "pin"), {"pinned": True},
                                         format="json")

    assert on_entry.status_code == on_list.status_code == on_pin.status_code == 405
    assert db_state() == before


def test_list_is_newest_first_paginated_and_filtered(api_client, outsider, contributor):
    incident = IncidentFactory()
    old = TimelineEntryFactory(incident=incident, kind="note", actor=contributor)
    decision = TimelineEntryFactory(incident=incident, kind="decision", pinned=True)
    newest = TimelineEntryFactory(incident=incident, kind="note")
    TimelineEntryFactory()  # another incident's
    api_client.force_authenticate(outsider)
    url = timeline_url(incident.pk)

    def ids(params=None):
        body = api_client.get(url, params or {}).json()
        return [row["id"] for row in body["results"]]

    assert ids() == [newest.pk, decision.pk, old.pk]
    assert ids({"kind": "note"}) == [newest.pk, old.pk]
    assert ids({"kind": ["note", "decision"]}) == [newest.pk, decision.pk, old.pk]
    assert ids({"actor": contributor.pk}) == [old.pk]
    assert ids({"pinned": "true"}) == [decision.pk]
    page = api_client.get(url, {"page_size": 2}).json()
    assert page["count"] == 3
    assert page["next"]
    assert api_client.get(url, {"kind": "bogus"}).status_code == 400


def test_unknown_or_hidden_incident_is_404(api_client, contributor, monkeypatch):
    entry = TimelineEntryFactory()
    visible = selectors.incident_list
    monkeypatch.setattr(selectors, "incident_list",
                        lambda *, user: visible(user=user).exclude(pk=entry.incident_id))
    api_client.force_authenticate(contributor)
    before = db_state()

    for url in (timeline_url(entry.incident_id), timeline_url(999999)):
        assert api_client.get(url).status_code == 404
        assert api_client.post(url, {"kind": "note", "body": "x"},
                               format="json").status_code == 404
    assert api_client.get(entry_url(entry)).status_code == 404
    assert api_client.post(entry_url(entry, "pin"), {"pinned": True},
                           format="json").status_code == 404
    assert db_state() == before


def test_an_entry_is_only_found_under_its_own_incident(api_client, contributor):
    entry = TimelineEntryFactory()
    other = IncidentFactory()
    api_client.force_authenticate(contributor)
    before = db_state()

    assert api_client.get(f"{timeline_url(other.pk)}{entry.pk}/").status_code == 404
    assert api_client.post(f"{timeline_url(other.pk)}{entry.pk}/pin/", {"pinned": True},
                           format="json").status_code == 404
    assert db_state() == before


def test_a_correction_points_at_the_entry_it_corrects(api_client, contributor):
    wrong = TimelineEntryFactory(kind="decision", body="We recall batch 7")
    api_client.force_authenticate(contributor)

    response = api_client.post(timeline_url(wrong.incident_id), {
        "kind": "decision", "body": "We recall batch 8, not 7", "corrects": wrong.pk,
    }, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "correction"
    assert body["corrects"] == wrong.pk
    assert body["data"] == {"as": "decision"}
    wrong.refresh_from_db()
    assert wrong.body == "We recall batch 7"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x"}, "kind"),
        ({"kind": "", "body": "x"}, "kind"),
        ({"kind": "status", "body": "x"}, "kind"),
        ({"kind": "gossip", "body": "x"}, "kind"),
        ({"kind": "note"}, "body"),
        ({"kind": "note", "body": ""}, "body"),
        ({"kind": "note", "body": "   "}, "body"),
        ({"kind": "note", "body": 12}, "body"),
        ({"kind": "note", "body": "x" * 10_001}, "body"),
        ({"kind": "note", "body": "x", "corrects": "abc"}, "corrects"),
        ({"kind": "note", "body": "x", "corrects": 999999}, "corrects"),
        ({"kind": "note", "body": "x", "corrects": "other-incident"}, "corrects"),
        ({"kind": "note", "body": "x", "pinned": True}, "pinned"),
        ({"kind": "note", "body": "x", "actor": 1}, "actor"),
    ],
)
def test_write_rejects_bad_input_naming_the_field(api_client, contributor, payload, field):
    incident = IncidentFactory()
    if payload.get("corrects") == "other-incident":
        payload = {**payload, "corrects": TimelineEntryFactory().pk}
    api_client.force_authenticate(contributor)
    before = db_state()

    response = api_client.post(timeline_url(incident.pk), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert db_state() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "pinned"), ({"pinned": "maybe"}, "pinned"), ({"pinned": None}, "pinned"),
     ({"pinned": True, "body": "x"}, "body")],
)
def test_pin_rejects_bad_input_naming_the_field(api_client, contributor, payload, field):
    entry = TimelineEntryFactory()
    api_client.force_authenticate(contributor)
    before = db_state()

    response = api_client.post(entry_url(entry, "pin"), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert db_state() == before


def test_pin_form_data_must_say_pinned(api_client, contributor):
    entry = TimelineEntryFactory(pinned=True)
    api_client.force_authenticate(contributor)

    response = api_client.post(entry_url(entry, "pin"), {})  # multipart, nothing sent

    assert response.status_code == 400
    assert "pinned" in response.json()
    entry.refresh_from_db()
    assert entry.pinned is True


@pytest.mark.parametrize("url", ["timeline", "pin"])
def test_malformed_json_is_a_400(api_client, contributor, url):
    entry = TimelineEntryFactory()
    api_client.force_authenticate(contributor)
    before = db_state()
    target = timeline_url(entry.incident_id) if url == "timeline" else entry_url(entry, "pin")

    response = api_client.post(target, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert db_state() == before


def test_list_query_count_does_not_grow_with_rows(api_client, outsider):
    incident = IncidentFactory()
    first = TimelineEntryFactory(incident=incident)
    api_client.force_authenticate(outsider)
    url = timeline_url(incident.pk)
    one_row = count_queries(
        lambda: as_new_request(api_client, outsider).get(url, {"page_size": 50}))

    TimelineEntryFactory.create_batch(14, incident=incident)
    TimelineEntryFactory.create_batch(15, incident=incident, corrects=first, kind="correction",
                                      data={"as": "note"})

    many_rows = count_queries(

        lambda: as_new_request(api_client, outsider).get(url, {"page_size": 50}))
    assert api_client.get(url, {"page_size": 50}).json()["count"] == 30
    assert one_row == many_rows <= 6
