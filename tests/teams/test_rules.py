"""The rules teams shares between its pages, API, socket and services: each is written
once, and these tests fail if it is wrong or if a door stops following it."""

import pytest

from crisis.models import IncidentType
from crisis.services import incident_create
from teams.choices import Capability
from teams.models import Role
from teams.services import role_assign
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
