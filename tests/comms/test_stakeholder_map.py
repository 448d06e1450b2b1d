"""The stakeholder map (issue 13): groups derived from the incident's stakeholder kinds
without writes on reading, changes under the stakeholder right, the owner's rule, updates
given by hand and by publishing, the owner told once of an overdue update, the API and
the room's panel. Each behaviour once."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comms import services as statement_services
from comms import stakeholder_map_services as services
from comms.acknowledgement_links import acknowledgement_token
from comms.acknowledgements import delivery_acknowledge
from comms.delivery_services import statement_publish_to
from comms.models import Contact, Delivery, IncidentStakeholder, StakeholderGroup
from comms.stakeholder_map import map_entries
from comms.stakeholder_map_tasks import notify_overdue_stakeholder_updates
from crisis.choices import Confidentiality, TimelineKind
from crisis.models import Incident, LiveEvent, TimelineEntry
from teams.choices import NotificationKind
from teams.models import Notification
from tests.comms.test_services import decide, edit
from tests.conftest import as_new_request
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

PANEL = {"HX-Request": "true", "HX-Target": "stakeholders-panel"}


def api(incident, group=None, action="") -> str:
    url = f"/api/incidents/{incident.pk}/stakeholders/"
    return url + (f"{group.pk}/" if group else "") + action


def group(code: str) -> StakeholderGroup:
    return StakeholderGroup.objects.get(code=code)


def row(incident, code: str) -> IncidentStakeholder:
    return IncidentStakeholder.objects.get(incident=incident, group__code=code)


@pytest.fixture
def observer(incident, assign):
    """May view the incident, not manage its stakeholders."""
    return assign(incident, "observer", "observer")


@pytest.fixture
def secret(assign):
    """A confidential incident with its officer, and someone who may not view it."""
    incident = IncidentFactory(confidentiality=Confidentiality.CONFIDENTIAL,
                               stakeholder_kinds=["regulators"])
    return incident, assign(incident, "communications_officer"), UserFactory(
        username="outsider")


# --- the map -----------------------------------------------------------------------------------

def test_groups_of_the_incidents_stakeholder_kinds_are_on_the_map_without_a_write(incident):
    with CaptureQueriesContext(connection) as queries:
        entries = map_entries(incident=incident)
    assert [e.group.code for e in entries] == ["customers", "media"]
    assert all(e.affected and not e.is_stored and e.priority == "medium" for e in entries)
    assert entries[0].next_update_due == incident.created_at + timedelta(minutes=240)
    assert not [q for q in queries.captured_queries
                if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert not IncidentStakeholder.objects.exists()
    Incident.objects.filter(pk=incident.pk).update(stakeholder_kinds=["regulators"])
    incident.refresh_from_db()
    assert [e.group.code for e in map_entries(incident=incident)] == ["regulators"]


def test_a_change_writes_the_row_a_timeline_entry_and_a_live_event(officer, incident):
    stored = services.stakeholder_update(actor=officer, incident=incident,
                                         group=group("media"), priority="high",
                                         owner=officer, cadence_minutes=60)
    assert (stored.priority, stored.owner, stored.cadence_minutes) == ("high", officer, 60)
    assert stored.next_update_due == incident.created_at + timedelta(minutes=60)
    entry = TimelineEntry.objects.get(incident=incident, kind=TimelineKind.STATEMENT)
    assert entry.data == {"action": "stakeholder_updated", "stakeholder_group": stored.group_id,
                          "group": "Media", "fields": ["priority", "owner", "cadence_minutes"],
                          "priority": "high", "owner": str(officer), "cadence": 60}
    event = LiveEvent.objects.get(incident=incident, type="stakeholders.changed")
    assert event.data == {"group": stored.group_id, "action": "stakeholder_updated",
                          "overdue": stored.is_overdue}
    media_first = [e.group.code for e in map_entries(incident=incident)]
    assert media_first == ["media", "customers"]  # high priority first


def test_only_those_who_manage_stakeholders_may_change_the_map(observer, incident):
    with pytest.raises(PermissionDenied):
        services.stakeholder_update(actor=observer, incident=incident, group=group("media"),
                                    priority="high")
    with pytest.raises(PermissionDenied):
        services.stakeholder_update_given(actor=observer, incident=incident,
                                          group=group("media"))
    assert not IncidentStakeholder.objects.exists()


def test_the_owner_must_be_able_to_view_the_incident(secret):
    incident, officer, outsider = secret
    with pytest.raises(ValidationError) as error:
        services.stakeholder_update(actor=officer, incident=incident,
                                    group=group("regulators"), owner=outsider)
    assert "owner" in error.value.message_dict
    assert not IncidentStakeholder.objects.exists()


def test_update_given_moves_the_next_due_and_clears_the_overdue_mark(officer, incident):
    services.stakeholder_update(actor=officer, incident=incident, group=group("customers"),
                                owner=officer, cadence_minutes=60)
    IncidentStakeholder.objects.update(next_update_due=timezone.now() - timedelta(minutes=5),
                                       overdue_notified_at=timezone.now())
    assert row(incident, "customers").is_overdue
    before = timezone.now()
    stored = services.stakeholder_update_given(actor=officer, incident=incident,
                                               group=group("customers"))
    assert stored.last_update_at >= before and stored.overdue_notified_at is None
    assert stored.next_update_due == stored.last_update_at + timedelta(minutes=60)
    assert not row(incident, "customers").is_overdue
    assert TimelineEntry.objects.filter(data__action="stakeholder_update_given").count() == 1


def test_publishing_a_statement_for_a_kind_records_an_update_to_its_groups(
        draft, officer, legal, incident):
    statement_services.statement_submit(actor=officer, statement=draft)  # audience: customers
    decide(legal, draft)
    draft.refresh_from_db()
    statement_services.statement_publish(actor=officer, statement=draft)
    customers = row(incident, "customers")
    assert customers.last_update_at is not None
    assert customers.next_update_due == customers.last_update_at + timedelta(minutes=240)
    assert not IncidentStakeholder.objects.filter(group__code="media").exists()
    assert LiveEvent.objects.filter(incident=incident, type="stakeholders.changed",
                                    data__action="stakeholder_update_given").count() == 1


def test_publishing_to_a_group_records_an_update_to_it_whatever_the_audience(
        draft, officer, legal, incident):
    type(draft).objects.filter(pk=draft.pk).update(audience=["customers", "media"])
    draft.refresh_from_db()
    statement_services.statement_submit(actor=officer, statement=draft)
    decide(legal, draft)
    draft.refresh_from_db()
    statement_publish_to(actor=officer, statement=draft, groups=[group("media").pk],
                         channels=["email"])
    assert row(incident, "media").last_update_at is not None  # sent to it
    assert row(incident, "customers").last_update_at is not None  # its audience


def test_the_owner_is_told_once_when_the_update_is_overdue(officer, incident, assign):
    owner = assign(incident, "communications_officer", "owner")
    services.stakeholder_update(actor=officer, incident=incident, group=group("media"),
                                owner=owner, cadence_minutes=60)
    services.stakeholder_update(actor=officer, incident=incident, group=group("customers"),
                                priority="low")  # nobody owns it: nobody to tell
    IncidentStakeholder.objects.update(next_update_due=timezone.now() - timedelta(minutes=1))
    assert notify_overdue_stakeholder_updates() == 1
    assert notify_overdue_stakeholder_updates() == 0
    told = Notification.objects.filter(recipient=owner,
                                       kind=NotificationKind.STAKEHOLDER_UPDATE_DUE)
    assert told.count() == 1 and "Media" in told.get().title
    assert row(incident, "media").overdue_notified_at is not None
    assert TimelineEntry.objects.filter(data__action="stakeholder_overdue").count() == 1


# --- API ---------------------------------------------------------------------------------------

def test_api_lists_the_map_and_patches_a_group(api_client, officer, incident):
    client = as_new_request(api_client, officer)
    listed = client.get(api(incident))
    assert listed.status_code == 200
    assert [(e["group"]["code"], e["stored"]) for e in listed.json()] == [
        ("customers", False), ("media", False)]
    patched = client.patch(api(incident, group("media")),
                           {"priority": "high", "owner": officer.pk, "affected": True},
                           format="json")
    assert patched.status_code == 200
    body = patched.json()
    assert (body["priority"], body["owner"]["id"], body["stored"]) == ("high", officer.pk, True)
    given = client.post(api(incident, group("media"), "update-given/"), {}, format="json")
    assert given.status_code == 200 and given.json()["last_update_at"] is not None


@pytest.mark.parametrize(("body", "field"), [
    ({"priority": "urgent"}, "priority"),
    ({"cadence_minutes": 7}, "cadence_minutes"),
    ({"cadence_minutes": "60"}, "cadence_minutes"),
    ({"affected": "yes"}, "affected"),
    ({"owner": 999_999}, "owner"),
    ({"colour": "red"}, "colour"),
])
def test_api_patch_names_the_bad_field(api_client, officer, incident, body, field):
    response = as_new_request(api_client, officer).patch(api(incident, group("media")), body,
                                                         format="json")
    assert response.status_code == 400 and field in response.json()
    assert not IncidentStakeholder.objects.exists()


def test_api_owner_who_may_not_view_is_a_400_and_outsiders_get_404(api_client, secret):
    incident, officer, outsider = secret
    refused = as_new_request(api_client, officer).patch(
        api(incident, group("regulators")), {"owner": outsider.pk}, format="json")
    assert refused.status_code == 400 and "owner" in refused.json()
    client = as_new_request(api_client, outsider)
    assert client.get(api(incident)).status_code == 404
    assert client.patch(api(incident, group("regulators")), {"priority": "high"},
                        format="json").status_code == 404
    assert not IncidentStakeholder.objects.exists()


def test_api_refuses_changes_to_those_who_may_only_view(api_client, observer, incident):
    client = as_new_request(api_client, observer)
    assert client.get(api(incident)).status_code == 200
    assert client.patch(api(incident, group("media")), {"priority": "high"},
                        format="json").status_code == 403
    assert not IncidentStakeholder.objects.exists()


# --- pages -------------------------------------------------------------------------------------

def test_the_panel_offers_the_form_only_to_those_who_may(client, officer, observer, incident):
    services.stakeholder_update(actor=officer, incident=incident, group=group("media"),
                                owner=officer)
    IncidentStakeholder.objects.update(next_update_due=timezone.now() - timedelta(minutes=1))
    client.force_login(officer)
    panel = client.get(incident.get_absolute_url(), headers=PANEL)
    body = panel.content.decode()
    assert panel.status_code == 200
    assert body.lstrip().startswith('<section class="card mb-3" id="stakeholders-panel"')
    assert "live:stakeholders.changed" in body
    assert body.count("cd-overdue-badge") == 1 and "Customers" in body
    assert "Update given" in body and 'name="priority"' in body
    client.force_login(observer)
    watched = client.get(incident.get_absolute_url(), headers=PANEL).content.decode()
    assert "Media" in watched and "Update given" not in watched
    assert 'name="priority"' not in watched


def test_editing_and_update_given_from_the_panel(client, officer, observer, incident):
    edit = reverse("crisis:stakeholder-edit", args=[incident.pk, group("customers").pk])
    given = reverse("crisis:stakeholder-update-given",
                    args=[incident.pk, group("customers").pk])
    client.force_login(observer)
    assert client.post(edit, {"priority": "high", "cadence_minutes": "60"}).status_code == 403
    refused = client.post(given, headers=PANEL)
    assert refused.status_code == 403
    assert "You may not manage the stakeholders" in refused.content.decode()
    client.force_login(officer)
    bad = client.post(edit, {"priority": "urgent", "cadence_minutes": "60"}, headers=PANEL)
    assert bad.status_code == 400 and not IncidentStakeholder.objects.exists()
    done = client.post(edit, {"priority": "high", "cadence_minutes": "60", "affected": "on",
                              "owner": officer.pk}, headers=PANEL)
    assert done.status_code == 200 and "Every hour" in done.content.decode()
    assert (row(incident, "customers").priority, row(incident, "customers").owner) == (
        "high", officer)
    assert client.post(given).status_code == 302
    assert row(incident, "customers").last_update_at is not None


def test_the_room_reads_map_entries_in_words(client, officer, incident):
    services.stakeholder_update(actor=officer, incident=incident, group=group("media"),
                                priority="high")
    services.stakeholder_update_given(actor=officer, incident=incident, group=group("media"))
    client.force_login(officer)
    room = client.get(incident.get_absolute_url()).content.decode()
    assert "Stakeholder map: Media: priority high" in room
    assert "Update given to Media" in room


def test_an_outsider_may_not_post_to_the_map(client, secret):
    incident, _officer, outsider = secret
    client.force_login(outsider)
    edit = reverse("crisis:stakeholder-edit", args=[incident.pk, group("regulators").pk])
    assert client.post(edit, {"priority": "high", "cadence_minutes": "60"}).status_code == 404
    assert not IncidentStakeholder.objects.exists()


# --- what each group last received -------------------------------------------------------------

def test_the_map_shows_what_each_group_last_received_and_its_rates(
        draft, officer, legal, incident, api_client, client,
        django_capture_on_commit_callbacks):
    Incident.objects.filter(pk=incident.pk).update(stakeholder_kinds=["employees",
                                                                      "regulators"])
    incident.refresh_from_db()
    with CaptureQueriesContext(connection) as before:
        assert all(e.received is None for e in map_entries(incident=incident))
    type(draft).objects.filter(pk=draft.pk).update(audience=[])  # any group
    draft.refresh_from_db()
    edit(officer, draft, "We are sorry; the recall starts today.")  # version 2
    statement_services.statement_submit(actor=officer, statement=draft)
    decide(legal, draft)
    draft.refresh_from_db()
    for n in range(3):
        Contact.objects.create(name=f"Regulator {n}", email=f"r{n}@example.gov"
                               ).groups.set([group("regulators")])
    with django_capture_on_commit_callbacks(execute=True):
        publication = statement_publish_to(
            actor=officer, statement=draft, channels=["email", "in_app"],
            groups=[group("employees").pk, group("regulators").pk])
    first, _second, third = Delivery.objects.filter(publication=publication,
                                                   group__code="regulators").order_by("pk")
    delivery_acknowledge(token=acknowledgement_token(first))
    Delivery.objects.filter(pk=third.pk).update(status="failed")  # one did not get through
    # Recorded as not sent (e.g. no mail server), yet the link was opened: it was received.
    Delivery.objects.filter(publication=publication, group__code="regulators").update(
        sent_at=None)

    with CaptureQueriesContext(connection) as after:
        entries = {e.group.code: e for e in map_entries(incident=incident)}
    assert len(after.captured_queries) == len(before.captured_queries)  # no query per group
    employees, regulators = entries["employees"].received, entries["regulators"].received
    assert (employees.version, employees.title, employees.publication_id) == (
        2, "Holding statement", publication.pk)
    assert employees.received_at is not None and employees.delivery_rate == 1.0
    assert employees.acknowledgement_rate is None  # employees need not acknowledge
    assert (regulators.delivered, regulators.total, regulators.acknowledged) == (2, 3, 1)
    assert regulators.received_at == first.acknowledgement.acknowledged_at  # not "not sent"

    listed = {e["group"]["code"]: e for e in as_new_request(api_client, officer).get(
        api(incident)).json()}
    assert listed["employees"]["last_received"]["version"] == 2
    assert listed["employees"]["acknowledgement_rate"] is None
    assert listed["regulators"]["delivery_rate"] == pytest.approx(2 / 3)
    assert listed["regulators"]["acknowledgement_rate"] == pytest.approx(1 / 3)
    assert listed["regulators"]["last_received"]["to_acknowledge"] == 3

    client.force_login(officer)
    panel = client.get(incident.get_absolute_url(), headers=PANEL).content.decode()
    assert "live:delivery.changed" in panel  # redrawn as deliveries move on
    assert panel.count("Last received: v2") == 2
    assert "Delivered 2 of 3 (67%)" in panel and "acknowledged 1 of 3 (33%)" in panel
    assert reverse("crisis:publication-detail", args=[publication.pk]) in panel
