"""The rules teams shares between its pages, API, socket and services: each is written
once, and these tests fail if it is wrong or if a door stops following it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crisis.models import IncidentType
from crisis.services import incident_create
from teams.choices import Capability, Duty
from teams.models import DutyShift, Role, RoleAssignment
from teams.permissions import can_end_role
from teams.selectors import current_lead, my_work
from teams.services import (
    check_notification_read,
    duty_shift_create,
    notification_mark_read,
    role_assign,
    role_end,
)
from tests.conftest import join
from tests.crisis.factories import IncidentFactory, TaskFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(lead):
    return incident_create(actor=join(lead, Capability.CRISIS_MANAGER), title="Login outage",
                           type=IncidentType.objects.get(code="service_failure"))


# --- every 409 has one shape ------------------------------------------------------------------

def test_a_teams_conflict_answers_the_same_409_shape_as_the_incident_core(api_client, incident):
    person = UserFactory()
    role_assign(actor=incident.created_by, incident=incident, user=person,
                role=Role.objects.get(code="observer"))
    api_client.force_authenticate(incident.created_by)
    response = api_client.post(f"/api/incidents/{incident.pk}/team/",
                               {"user": person.pk, "role": "observer"}, format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert {"detail", "current", "allowed"} <= set(body)
    assert body["current"] == incident.status and body["allowed"] == []


# --- who may end a role: teams.permissions.can_end_role ----------------------------------------

def test_the_role_end_rule_is_the_same_in_the_panel_the_api_and_the_service(
        client, api_client, incident):
    holder, bystander = UserFactory(), UserFactory()
    observer = Role.objects.get(code="observer")
    role_assign(actor=incident.created_by, incident=incident, user=bystander, role=observer)
    held = role_assign(actor=incident.created_by, incident=incident, user=holder, role=observer)
    end_url = reverse("crisis:team-end", args=[incident.pk, held.pk])

    def offered_to(user) -> bool:
        client.force_login(user)
        return end_url in client.get(incident.get_absolute_url()).content.decode()

    assert offered_to(holder)  # stepping down
    assert offered_to(incident.created_by)  # the lead manages the team
    assert not offered_to(bystander)
    api_client.force_authenticate(bystander)
    refused = api_client.post(f"/api/incidents/{incident.pk}/team/{held.pk}/end/", {},
                              format="json")
    assert refused.status_code == 403
    with pytest.raises(PermissionDenied):
        role_end(actor=bystander, assignment=held)
    held.refresh_from_db()
    assert held.ended_at is None
    assert can_end_role(holder, held) and not can_end_role(bystander, held)


def test_the_lead_is_never_offered_an_end_button_only_a_handover(client, incident):
    lead = current_lead(incident=incident)
    client.force_login(incident.created_by)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert reverse("crisis:team-end", args=[incident.pk, lead.pk]) not in page
    assert reverse("crisis:team-handover", args=[incident.pk]) in page


# --- which notifications to mark read: teams.services.check_notification_read ------------------

def test_notification_ids_are_checked_once_with_the_same_message_everywhere(client, api_client):
    bob = UserFactory()
    message = "Each id is a positive whole number."
    with pytest.raises(ValidationError) as refused:
        notification_mark_read(user=bob, ids=[0])
    assert refused.value.message_dict == {"ids": [message]}
    api_client.force_authenticate(bob)
    api = api_client.post("/api/notifications/read/", {"ids": [-1]}, format="json")
    assert api.status_code == 400 and api.json() == {"ids": [message]}
    client.force_login(bob)
    page = client.post(reverse("notifications-read"), {"ids": ["-1"]})
    assert page.status_code == 400 and message in page.content.decode()
    assert check_notification_read(ids=["3"], from_text=True) == [3]
    with pytest.raises(ValidationError):  # a socket's JSON numbers are numbers, not text
        check_notification_read(ids=["3"])


# --- the roster is written through its services, each with its right ---------------------------

def test_duty_shifts_are_written_only_through_the_services_and_their_right(client, api_client):
    clerk, person = UserFactory(), UserFactory()
    day = datetime.date(2026, 12, 1)
    with pytest.raises(PermissionDenied):
        duty_shift_create(actor=clerk, duty=Duty.MONITORING, user=person, starts_on=day,
                          ends_on=day)
    manager = join(UserFactory(), Capability.CRISIS_MANAGER)
    with pytest.raises(ValidationError) as refused:
        duty_shift_create(actor=manager, duty=Duty.MONITORING, user=person, starts_on=day,
                          ends_on=day - datetime.timedelta(days=1))
    assert "ends_on" in refused.value.message_dict
    shift = duty_shift_create(actor=manager, duty=Duty.MONITORING, user=person, starts_on=day,
                              ends_on=day)
    api_client.force_authenticate(clerk)
    assert api_client.delete(f"/api/duty-shifts/{shift.pk}/").status_code == 403
    client.force_login(clerk)
    assert client.post(reverse("roster"), {"delete": shift.pk}).status_code == 403
    assert DutyShift.objects.filter(pk=shift.pk).exists()
    client.force_login(manager)
    client.post(reverse("roster"), {"delete": shift.pk})
    assert not DutyShift.objects.filter(pk=shift.pk).exists()


# --- my work, most pressing first: teams.selectors.my_work --------------------------------------

def test_my_work_lists_the_most_pressing_first_and_only_what_i_may_view(lead):
    me = UserFactory()
    observer = Role.objects.get(code="observer")
    mild = IncidentFactory(severity="low")
    red = IncidentFactory(severity="medium", warning_level="red",
                          created_at=timezone.now() - datetime.timedelta(days=3))
    critical = IncidentFactory(severity="critical")
    secret = IncidentFactory(confidentiality="confidential", severity="critical")
    for incident in (mild, red, critical, secret):
        RoleAssignment.objects.create(incident=incident, user=me, role=observer,
                                      assigned_at=timezone.now())
    soon, later = timezone.now(), timezone.now() + datetime.timedelta(hours=5)
    late_red = TaskFactory(incident=red, owner=me, due_at=later)
    early_mild = TaskFactory(incident=mild, owner=me, due_at=soon)
    early_red = TaskFactory(incident=red, owner=me, due_at=soon)
    TaskFactory(incident=secret, owner=me, due_at=soon)

    work = my_work(user=me)

    assert [e["incident"] for e in work["my_incidents"]] == [red, critical, mild]
    assert work["my_tasks"] == [early_red, late_red, early_mild]
