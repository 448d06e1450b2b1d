"""The rules teams shares between its pages, API, socket and services: each is written
once, and these tests fail if it is wrong or if a door stops following it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from crisis.models import IncidentType
from crisis.services import incident_create
from teams.choices import Capability
from teams.models import Role
from teams.permissions import can_end_role
from teams.selectors import current_lead
from teams.services import (
    check_notification_read,
    notification_mark_read,
    role_assign,
    role_end,
)
from tests.conftest import join
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
