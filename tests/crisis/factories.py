import factory

from crisis.choices import IncidentStatus, Severity, TaskStatus, TimelineKind
from crisis.models import ChecklistItem, Incident, IncidentType, Task, TaskComment, TimelineEntry
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


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    incident = factory.SubFactory(IncidentFactory)
    kind = TimelineKind.NOTE
    actor = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Note {n}")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    incident = factory.SubFactory(IncidentFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
    status = TaskStatus.OPEN


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    task = factory.SubFactory(TaskFactory)
    text = factory.Sequence(lambda n: f"Step {n}")


class TaskCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskComment

    task = factory.SubFactory(TaskFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment {n}")
