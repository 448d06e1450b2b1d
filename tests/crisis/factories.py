import factory

from crisis.choices import IncidentStatus, Severity
from crisis.models import Incident, IncidentType
from tests.teams.factories import UserFactory


class IncidentTypeFactory(factory.django.DjangoModelFactory):
    """The default types ship in a migration; this fetches one by code."""

    class Meta:
        model = IncidentType
        django_get_or_create = ("code",)

    code = "other"
    name = factory.LazyAttribute(lambda t: t.code.replace("_", " ").capitalize())


class IncidentFactory(factory.django.DjangoModelFactory):
    """Fixture data written directly; behaviour under test goes through the services."""

    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    summary = "What is known so far."
    status = IncidentStatus.TRIAGE
    severity = Severity.MEDIUM
    type = factory.SubFactory(IncidentTypeFactory)
    created_by = factory.SubFactory(UserFactory)
