"""Rules the incident core's pages and API share: each is written once (a service
argument, a check, a queryset method), and these tests fail if a door stops following it."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from crisis import selectors
from crisis.models import Incident, urgency_key
from crisis.permissions import CONTRIBUTE
from crisis.services import correction_kind, incident_create, timeline_entry_add
from teams.models import Role
from teams.services import role_assign, role_end
from tests.conftest import grant
from tests.crisis.factories import (
    ChecklistItemFactory,
    IncidentFactory,
    TaskCommentFactory,
    TaskFactory,
    TimelineEntryFactory,
)
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- the type of a new incident is required at every door --------------------------------------

def test_the_api_and_the_service_require_the_type_as_the_page_does(api_client, lead):
    api_client.force_authenticate(lead)
    response = api_client.post("/api/incidents/", {"title": "Spike in complaints"},
                               format="json")
    assert response.status_code == 400 and "type" in response.json()
    with pytest.raises(ValidationError) as refused:
        incident_create(actor=lead, title="Spike in complaints", type=None)
    assert "type" in refused.value.message_dict


# --- what a correction is recorded as: crisis.services.correction_kind --------------------------

def test_a_correction_is_recorded_as_the_corrected_entry_kind_from_the_page_and_the_api(
        client, api_client):
    incident = IncidentFactory()
    writer = grant(UserFactory(), CONTRIBUTE)
    decision = timeline_entry_add(actor=writer, incident=incident, kind="decision",
                                  body="No recall yet.")
    client.force_login(writer)
    client.post(reverse("crisis:timeline-correct", args=[decision.pk]),
                {"body": "No recall in Taiwan yet."})
    api_client.force_authenticate(writer)
    sent = api_client.post(f"/api/incidents/{incident.pk}/timeline/",
                           {"body": "Nor in Japan.", "corrects": decision.pk}, format="json")
    assert sent.status_code == 201, sent.content
    corrections = incident.timeline.filter(corrects=decision)
    assert [c.data["as"] for c in corrections] == ["decision", "decision"]
    chosen = api_client.post(f"/api/incidents/{incident.pk}/timeline/",
                             {"body": "A note on it.", "kind": "note",
                              "corrects": decision.pk}, format="json")
    assert chosen.status_code == 201 and chosen.json()["data"] == {"as": "note"}
    missing = api_client.post(f"/api/incidents/{incident.pk}/timeline/", {"body": "Hm."},
                              format="json")
    assert missing.status_code == 400 and "kind" in missing.json()
    assert correction_kind(corrections.first()) == "decision"


# --- selectors restrict by the user they are given: Incident.objects.visible_to ----------------

def test_selectors_that_take_a_user_restrict_by_it_themselves(outsider):
    secret = IncidentFactory(confidentiality="confidential")
    task = TaskFactory(incident=secret)
    item = ChecklistItemFactory(task=task)
    TaskCommentFactory(task=task)
    TimelineEntryFactory(incident=secret)
    admin = UserFactory(is_superuser=True)

    assert not selectors.timeline_for(user=outsider, incident=secret).exists()
    assert not selectors.task_comments_for(user=outsider, task=task).exists()
    with pytest.raises(Http404):
        selectors.checklist_item_get(user=outsider, task=task, pk=item.pk)
    assert selectors.timeline_for(user=admin, incident=secret).count() == 1
    assert selectors.task_comments_for(user=admin, task=task).count() == 1
    assert selectors.checklist_item_get(user=admin, task=task, pk=item.pk) == item
    assert list(Incident.objects.visible_to(outsider)) == []
    assert list(Incident.objects.visible_to(admin)) == [secret]


# --- "mine" on the incident list: what My work lists ---------------------------------------------

def test_mine_lists_incidents_i_opened_own_a_task_in_or_hold_a_role_on(client):
    me, lead = UserFactory(), UserFactory(is_superuser=True)
    opened = IncidentFactory(created_by=me)
    tasked = IncidentFactory()
    TaskFactory(incident=tasked, owner=me)
    TaskFactory(incident=tasked, owner=me)  # listed once, however many tasks
    on_team = IncidentFactory()
    role_assign(actor=lead, incident=on_team, user=me, role=Role.objects.get(code="observer"))
    ended = IncidentFactory()
    role_end(actor=lead, assignment=role_assign(actor=lead, incident=ended, user=me,
                                                role=Role.objects.get(code="observer")))
    IncidentFactory()  # someone else's

    client.force_login(me)
    api_client_ids = [i["id"] for i in client.get("/api/incidents/", {"mine": "true"})
                      .json()["results"]]
    assert sorted(api_client_ids) == sorted([opened.pk, tasked.pk, on_team.pk])


def test_the_live_list_orders_incidents_as_the_database_does(lead):
    """urgency_key (the order incident-list.js keeps live) sorts as urgency_order does."""
    for status, level, severity in [("closed", "red", "critical"), ("active", "", "low"),
                                    ("triage", "yellow", "low"), ("active", "", "critical"),
                                    ("contained", "yellow", "high"), ("triage", "", "low")]:
        IncidentFactory(status=status, warning_level=level, severity=severity)
    listed = list(selectors.incident_list(user=lead))
    assert sorted(listed, key=urgency_key) == listed
