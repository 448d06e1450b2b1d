import factory

from crisis.choices import IncidentStatus, Severity
from crisis.models import Incident
from tests.teams.factories import UserFactory


class IncidentFactory(factory.django.DjangoModelFactory):
    """Fixture data written directly; behaviour under test goes through the services."""

    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    summary = "What is known so far."
    status = IncidentStatus.TRIAGE
    severity = Severity.MEDIUM
    created_by = factory.SubFactory(UserFactory)
