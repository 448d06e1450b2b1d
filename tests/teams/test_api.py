"""The teams API: bad input answers 400 naming the field and changes nothing."""

import pytest

from crisis.models import IncidentType
from crisis.services import incident_create
from teams.choices import Capability
from teams.models import DutyShift, RoleAssignment
from tests.conftest import join
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(lead):
    return incident_create(actor=join(lead, Capability.CRISIS_MANAGER), title="Login outage",
                           type=IncidentType.objects.get(code="service_failure"))


def team_url(incident, suffix=""):
    return f"/api/incidents/{incident.pk}/team/{suffix}"


@pytest.mark.parametrize(("body", "field"), [
    ({"user": 999999, "role": "observer"}, "user"),
    ({"role": "observer"}, "user"),
    ({"user": "PLACEHOLDER", "role": "chief-of-everything"}, "role"),
    ({"user": "PLACEHOLDER", "role": "liaison"}, "department"),
    ({"user": "PLACEHOLDER", "role": "observer", "note": "x" * 241}, "note"),
    ({"user": "PLACEHOLDER", "role": "observer", "colour": "red"}, "colour"),
])
def test_assign_rejects_bad_input_naming_the_field(api_client, incident, body, field):
    person = UserFactory()
    body = {k: (person.pk if v == "PLACEHOLDER" else v) for k, v in body.items()}
    api_client.force_authenticate(incident.created_by)
    before = RoleAssignment.objects.count()
    response = api_client.post(team_url(incident), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert RoleAssignment.objects.count() == before


def test_assign_then_list_with_history_and_handover(api_client, incident):
    person = UserFactory(first_name="Omar", last_name="Haddad")
    api_client.force_authenticate(incident.created_by)
    added = api_client.post(team_url(incident), {"user": person.pk, "role": "deputy"},
                            format="json")
    assert added.status_code == 201 and added.json()["role"]["code"] == "deputy"
    bad = api_client.post(team_url(incident, "handover/"),
                          {"to": person.pk, "previous": "vanish"}, format="json")
    assert bad.status_code == 400 and "previous" in bad.json()
    handed = api_client.post(team_url(incident, "handover/"),
                             {"to": person.pk, "previous": "release"}, format="json")
    assert handed.status_code == 201, handed.content
    current = {(a["user"]["id"], a["role"]["code"])
               for a in api_client.get(team_url(incident)).json()}
    assert (person.pk, "lead") in current and (person.pk, "deputy") not in current
    history = api_client.get(team_url(incident), {"include_ended": "true"}).json()
    assert any(a["ended_at"] for a in history)


def test_duty_shift_dates_are_checked_on_create_and_partial_update(api_client):
    admin = join(UserFactory(), Capability.ADMINISTRATOR)
    person = UserFactory()
    api_client.force_authenticate(admin)
    bad = api_client.post("/api/duty-shifts/", {"duty": "monitoring", "user": person.pk,
                                                "starts_on": "2026-11-30",
                                                "ends_on": "2026-11-20"}, format="json")
    assert bad.status_code == 400 and "ends_on" in bad.json()
    shift = api_client.post("/api/duty-shifts/", {"duty": "monitoring", "user": person.pk,
                                                  "starts_on": "2026-11-23",
                                                  "ends_on": "2026-11-29"}, format="json")
    assert shift.status_code == 201
    url = f"/api/duty-shifts/{shift.json()['id']}/"
    assert api_client.patch(url, {"ends_on": "2026-11-01"}, format="json").status_code == 400
    assert api_client.patch(url, {"ends_on": "2026-12-06"}, format="json").status_code == 200
    assert str(DutyShift.objects.get().ends_on) == "2026-12-06"
    on_day = api_client.get("/api/duty-shifts/", {"on": "2026-12-01"}).json()
    assert on_day["count"] == 1


def test_duty_shift_end_before_start_names_the_field_in_the_admin_too(client, admin_user):
    """Every form validating a shift (the admin's included) names ``ends_on`` in words,
    not the database constraint."""
    client.force_login(admin_user)
    response = client.post("/admin/teams/dutyshift/add/", {
        "duty": "monitoring", "user": UserFactory().pk, "starts_on": "2026-11-30",
        "ends_on": "2026-11-20"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_ends_on_error"' in page
    assert "A shift ends on or after the day it starts." in page
    assert "duty_shift_ends_after_start" not in page
    assert not DutyShift.objects.exists()
