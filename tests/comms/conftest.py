import pytest

from comms import services
from crisis.choices import Severity
from teams.models import Role
from teams.services import role_assign
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory

FRAME = {"what_happened": "Some kettles of batch 42 can overheat.", "when": "Since 3 May.",
         "where": "Sold in Taiwan and Hong Kong.", "who_is_affected": "Owners of model K2.",
         "what_we_do": "We are recalling the batch."}


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def incident(db):
    return IncidentFactory(severity=Severity.MEDIUM, stakeholder_kinds=["customers", "media"])


@pytest.fixture
def high_incident(incident):
    """The incident at high severity: public statements need legal, then the sponsor."""
    type(incident).objects.filter(pk=incident.pk).update(severity=Severity.HIGH)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def assign(admin):
    """Give a person a role on an incident, as the lead would (rights follow the role)."""

    def assign(incident, role_code: str, username: str | None = None, user=None):
        user = user or UserFactory(**({"username": username} if username else {}))
        role_assign(actor=admin, incident=incident, user=user,
                    role=Role.objects.get(code=role_code))
        return type(user).objects.get(pk=user.pk)

    return assign


@pytest.fixture
def officer(incident, assign):
    return assign(incident, "communications_officer", "officer")


@pytest.fixture
def legal(incident, assign):
    return assign(incident, "legal_reviewer", "legal")


@pytest.fixture
def executive(incident, assign):
    return assign(incident, "executive_sponsor", "sponsor")


@pytest.fixture
def draft(officer, incident):
    """A holding statement with its whole 5W1H frame, ready to submit."""
    return services.statement_create(actor=officer, incident=incident, kind="holding",
                                     language="zh-hant", title="Holding statement",
                                     body="We are sorry.", audience=["customers"], **FRAME)
