import factory

from comms.choices import Decision, StatementKind
from comms.models import (
    ApprovalDecision,
    ReviewStage,
    Statement,
    StatementComment,
    StatementVersion,
    content_hash,
)
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory


class StatementFactory(factory.django.DjangoModelFactory):
    """Fixture rows written directly; behaviour under test goes through comms.services."""

    class Meta:
        model = Statement

    incident = factory.SubFactory(IncidentFactory)
    kind = StatementKind.HOLDING
    language = "en"
    title = factory.Sequence(lambda n: f"Statement {n}")
    created_by = factory.SubFactory(UserFactory)


class StatementVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatementVersion

    statement = factory.SubFactory(StatementFactory)
    number = 1
    author = factory.SelfAttribute("statement.created_by")
    what_happened = "A batch of kettles can overheat."
    body = factory.Sequence(lambda n: f"We are sorry ({n}).")
    content_hash = factory.LazyAttribute(lambda v: content_hash(
        {"what_happened": v.what_happened, "body": v.body, "variants": v.variants}))
    variants = factory.LazyFunction(dict)


class ReviewStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewStage

    statement = factory.SubFactory(StatementFactory)
    round = 1
    position = 1
    name = "Legal review"
    role_codes = factory.LazyFunction(lambda: ["legal_reviewer"])
    approvals_needed = 1
    sla_minutes = 60
    parallel_with_previous = False


class ApprovalDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalDecision

    version = factory.SubFactory(StatementVersionFactory)
    statement = factory.SelfAttribute("version.statement")
    version_number = factory.SelfAttribute("version.number")
    version_hash = factory.SelfAttribute("version.content_hash")
    stage = factory.SubFactory(ReviewStageFactory, statement=factory.SelfAttribute(
        "..version.statement"))
    decider = factory.SubFactory(UserFactory)
    decision = Decision.APPROVE


class StatementCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatementComment

    version = factory.SubFactory(StatementVersionFactory)
    statement = factory.SelfAttribute("version.statement")
    author = factory.SubFactory(UserFactory)
    body = "Please check the dates."
