"""Reads of statements, restricted to what the asking user may see (404 otherwise)."""

from django.db.models import F, Q, QuerySet
from django.http import Http404

from crisis.models import Incident

from . import permissions, policy
from .models import PublishingFreeze, ReviewStage, Statement


def statement_list(*, user, incident: Incident | None = None) -> QuerySet[Statement]:
    """Statements of the incidents ``user`` may view."""
    statements = Statement.objects.filter(
        incident__in=Incident.objects.visible_to(user).values("pk")
    ).select_related("incident", "created_by")
    if incident is not None:
        statements = statements.filter(incident=incident)
    return statements


def statement_get(*, user, pk) -> Statement:
    try:
        return statement_list(user=user).get(pk=pk)
    except (Statement.DoesNotExist, ValueError, TypeError):
        raise Http404("No statement matches the given query.") from None


def freeze_applying(*, incident: Incident) -> PublishingFreeze | None:
    """The freeze that stops publishing in ``incident`` (its own first, then the
    organisation's), or None."""
    return (PublishingFreeze.objects.filter(Q(incident=incident) | Q(incident__isnull=True),
                                            lifted_at__isnull=True)
            .order_by(F("incident_id").asc(nulls_last=True), "-created_at").first())


def stage_fallback_open(*, statement: Statement, stage: ReviewStage) -> bool:
    """Whether a holder of the stage's capability may decide because nobody but the
    authors holds the stage's role (a queue shows it beside the stage)."""
    return permissions.stage_fallback_open(statement, stage)


def review_progress(*, statement: Statement) -> policy.Progress:
    return policy.review_progress(statement)
