"""The one confidentiality rule answers the same through every door: the list filter,
the check on an incident in hand, the people a task can be given to, and the admin."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from crisis import selectors
from crisis.models import IncidentType
from crisis.services import incident_create, task_assign
from teams.choices import Capability
from teams.models import Role
from teams.services import role_assign
from tests.conftest import join
from tests.crisis.factories import IncidentTypeFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

CONFIDENTIALITY = ("internal", "restricted", "confidential")


@pytest.fixture
def people(lead):
    """One person per way of seeing an incident, plus someone on its team."""
    crowd = {
        "outsider": UserFactory(),
        "manager": join(UserFactory(), Capability.CRISIS_MANAGER),
        "executive": join(UserFactory(), Capability.EXECUTIVE),
        "auditor": join(UserFactory(), Capability.AUDITOR),
        "legal": join(UserFactory(), Capability.LEGAL_REVIEWER),
        "administrator": join(UserFactory(), Capability.ADMINISTRATOR),
        "superuser": UserFactory(is_superuser=True),
        "observer": UserFactory(),
        "inactive": UserFactory(is_active=False),
    }
    crowd["opener"] = join(lead, Capability.CRISIS_MANAGER)
    return crowd


EXPECTED = {  # who sees an incident of each confidentiality (the observer holds a role)
    "internal": {"outsider", "manager", "executive", "auditor", "legal", "administrator",
                 "superuser", "observer", "opener"},
    "restricted": {"manager", "executive", "auditor", "administrator", "superuser",
                   "observer", "opener"},
    "confidential": {"administrator", "superuser", "observer", "opener"},
}


@pytest.mark.parametrize("confidentiality", CONFIDENTIALITY)
def test_every_door_agrees_on_who_sees_an_incident(people, confidentiality):
    incident = incident_create(actor=people["opener"], title="Recall rumours",
                               confidentiality=confidentiality,
                               type=IncidentType.objects.get(code="misinformation"))
    role_assign(actor=people["opener"], incident=incident, user=people["observer"],
                role=Role.objects.get(code="observer"))
    incident = type(incident).objects.get(pk=incident.pk)

    listed = {name for name, user in people.items()
              if selectors.incident_list(user=user).filter(pk=incident.pk).exists()}
    in_hand = {name for name, user in people.items()
               if selectors.may_view(user=type(user).objects.get(pk=user.pk), incident=incident)}
    assignable = {name for name, user in people.items()
                  if selectors.people_who_may_view(incident).filter(pk=user.pk).exists()}
    assert listed == in_hand == EXPECTED[confidentiality]
    assert assignable == EXPECTED[confidentiality]


def test_a_task_cannot_go_to_someone_who_may_not_view_the_incident(people):
    incident = incident_create(actor=people["opener"], title="Board minutes leaked",
                               confidentiality="confidential",
                               type=IncidentType.objects.get(code="conduct"))
    task = incident.tasks.first()
    with pytest.raises(ValidationError) as error:
        task_assign(actor=people["opener"], task=task, owner=people["executive"])
    assert "add them to the team first" in str(error.value.message_dict["owner"])
    task.refresh_from_db()
    assert task.owner_id is None


def test_capabilities_ship_as_groups():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(Capability.values) <= names


def test_the_admin_lists_only_what_a_staff_member_may_view(client, people):
    titles = {}
    for confidentiality in CONFIDENTIALITY:
        incident = incident_create(actor=people["opener"], title=f"{confidentiality} matter",
                                   confidentiality=confidentiality, type=IncidentTypeFactory())
        titles[confidentiality] = incident
    auditor = people["auditor"]
    type(auditor).objects.filter(pk=auditor.pk).update(is_staff=True)
    client.force_login(auditor)
    page = client.get("/admin/crisis/incident/").content.decode()
    assert "internal matter" in page and "restricted matter" in page
    assert "confidential matter" not in page
    hidden = titles["confidential"]
    response = client.get(f"/admin/crisis/incident/{hidden.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" answer
    entries = client.get("/admin/crisis/timelineentry/").content.decode()
    assert f"INC-{hidden.pk:05d}" not in entries
    assert f"INC-{titles['internal'].pk:05d}" in entries

    client.force_login(people["superuser"])
    type(people["superuser"]).objects.filter(pk=people["superuser"].pk).update(is_staff=True)
    assert "confidential matter" in client.get("/admin/crisis/incident/").content.decode()
