import pytest

from crisis.permissions import CONTRIBUTE, MANAGE_INCIDENT
from tests.conftest import grant
from tests.teams.factories import UserFactory

# The permission matrices ask as: "anonymous" (signed out), "outsider" (signed in, no
# rights), "contributor" (writes notes, works on tasks) and "lead" (also opens, classifies,
# escalates, merges and runs the lifecycle).


@pytest.fixture
def contributor(db):
    """May write in the timeline and work on tasks, not run the incident."""
    return grant(UserFactory(username="contributor"), CONTRIBUTE)


@pytest.fixture
def manager(lead):
    """The crisis lead with the right to run incidents (the `lead` fixture may only open)."""
    return grant(lead, MANAGE_INCIDENT)


@pytest.fixture
def sign_in(api_client, request):
    """Authenticate ``api_client`` as one of ROLES; answers the user (None when anonymous)."""

    def sign_in(who: str):
        if who == "anonymous":
            return None
        user = request.getfixturevalue("manager" if who == "lead" else who)
        api_client.force_authenticate(user)
        return user

    return sign_in
