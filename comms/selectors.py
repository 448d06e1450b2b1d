"""Reads of statements, restricted to what the asking user may see (404 otherwise)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from crisis.models import Incident
from crisis.permissions import is_active
from teams.models import RoleAssignment

from . import permissions, policy
from .choices import Decision, StatementStatus
from .models import (
    ApprovalDecision,
    PublishingFreeze,
    ReviewStage,
    Statement,
    StatementComment,
    StatementVersion,
)


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


# --- the approval queue ----------------------------------------------------------------------

@dataclass
class QueueItem:
    """A statement waiting for ``user``'s decision, with what the queue shows beside it."""

    statement: Statement
    version_number: int  # the current version: the exact text under review
    stages: list[ReviewStage]  # the open stages ``user`` may decide now
    as_fallback: bool  # deciding as the capability's holder: only authors hold the role
    due_at: datetime | None
    overdue: bool
    last_seen: int | None  # the version ``user`` last decided or commented on
    version: StatementVersion | None = None  # its text, once ``with_versions`` loaded it


def approval_queue(*, user) -> list[QueueItem]:
    """``queue_items`` with each item's current version loaded."""
    return with_versions(queue_items(user=user))


def with_versions(items: list[QueueItem]) -> list[QueueItem]:
    """Load the text under review of ``items`` (one query): a page of the queue needs
    only its own."""
    versions = {v.statement_id: v for v in StatementVersion.objects.filter(
        statement_id__in=[item.statement.pk for item in items],
        number=F("statement__current_version")).order_by()}
    for item in items:
        item.version = versions[item.statement.pk]
    return items


def _fallback_candidates(capabilities) -> Q:
    """Stages a capability's holder may decide because nobody but the statement's authors
    holds one of the stage's roles on the incident (or the stage names no role). Stages
    store their roles as a list; the few distinct lists are each matched exactly."""
    stages = ReviewStage.objects.filter(statement__status=StatementStatus.IN_REVIEW,
                                        round=F("statement__review_round"))
    stages = stages.exclude(capability="") if capabilities is None else stages.filter(
        capability__in=capabilities)
    wanted = Q(pk__in=[])
    for codes in {tuple(codes) for codes in stages.order_by().values_list("role_codes",
                                                                          flat=True)}:
        same = Q(role_codes=list(codes))
        if codes:
            same &= ~Exists(RoleAssignment.objects.filter(
                incident_id=OuterRef("statement__incident_id"), role__code__in=codes,
                ended_at__isnull=True, user__is_active=True,
            ).exclude(user_id__in=StatementVersion.objects.filter(
                statement_id=OuterRef(OuterRef("statement_id"))).values("author_id")))
        wanted |= same
    mine = Q() if capabilities is None else Q(capability__in=capabilities)
    return mine & ~Q(capability="") & wanted


def queue_items(*, user) -> list[QueueItem]:
    """Statements in review that wait for ``user``: an open stage of the current round on
    the current version that ``user`` may decide (by role on the incident, or by the
    stage's capability when nobody but the authors holds the role) and has not decided yet.
    Never a statement ``user`` wrote or edited; overdue first, then by due time. A fixed
    number of queries, whatever the number of statements; the texts are not loaded
    (``with_versions``)."""
    if not is_active(user):
        return []
    my_roles: dict[int, set[str]] = {}
    for incident_id, code in RoleAssignment.objects.filter(
            user=user, ended_at__isnull=True).values_list("incident_id", "role__code"):
        my_roles.setdefault(incident_id, set()).add(code)
    capabilities = (None if user.is_superuser  # None: every capability
                    else set(user.groups.values_list("name", flat=True)))
    stage_filter = Q(statement__incident_id__in=list(my_roles))
    if capabilities is None or capabilities:
        stage_filter |= _fallback_candidates(capabilities)
    statement_ids = set(
        ReviewStage.objects.filter(
            stage_filter, statement__status=StatementStatus.IN_REVIEW,
            round=F("statement__review_round"),
            statement__incident__in=Incident.objects.visible_to(user).values("pk"))
        .exclude(Exists(StatementVersion.objects.filter(statement=OuterRef("statement"),
                                                        author=user)))
        .order_by().values_list("statement_id", flat=True))
    if not statement_ids:
        return []
    statements = {s.pk: s for s in Statement.objects.filter(pk__in=statement_ids)
                  .select_related("incident", "created_by")}
    all_stages: dict[int, list[ReviewStage]] = {}
    for stage in ReviewStage.objects.filter(statement_id__in=statement_ids,
                                            round=F("statement__review_round")
                                            ).order_by("statement_id", "position"):
        stage.statement = statements[stage.statement_id]
        all_stages.setdefault(stage.statement_id, []).append(stage)
    progress = {pk: policy.Progress(stages=stage_list) for pk, stage_list in all_stages.items()}
    for statement_id, stage_id, decider_id, decision in ApprovalDecision.objects.filter(
            statement_id__in=statement_ids,
            version_number=F("statement__current_version"),
            stage__round=F("statement__review_round")).order_by().values_list(
                "statement_id", "stage_id", "decider_id", "decision"):
        progress[statement_id].decided.setdefault(stage_id, set()).add(decider_id)
        if decision == Decision.APPROVE:
            progress[statement_id].approvals.setdefault(stage_id, set()).add(decider_id)
    authors: dict[int, set[int]] = {}
    for statement_id, author_id in StatementVersion.objects.filter(
            statement_id__in=statement_ids).order_by().values_list(
                "statement_id", "author_id").distinct():
        authors.setdefault(statement_id, set()).add(author_id)
    role_codes = {code for stage_list in all_stages.values() for stage in stage_list
                  for code in stage.role_codes}
    holders: dict[tuple[int, str], set[int]] = {}
    for incident_id, code, holder in RoleAssignment.objects.filter(
            incident_id__in={s.incident_id for s in statements.values()},
            role__code__in=role_codes, ended_at__isnull=True, user__is_active=True
            ).order_by().values_list("incident_id", "role__code", "user_id"):
        holders.setdefault((incident_id, code), set()).add(holder)
    last_seen = _last_seen_versions(user=user, statement_ids=statement_ids)

    now, items = timezone.now(), []
    for statement_id in all_stages:
        statement = statements[statement_id]
        mine, fallback = [], False
        for stage in progress[statement_id].open_stages:
            if user.pk in progress[statement_id].decided.get(stage.pk, ()):
                continue
            if set(stage.role_codes) & my_roles.get(statement.incident_id, set()):
                mine.append(stage)
                continue
            others = set().union(*(holders.get((statement.incident_id, code), set())
                                   for code in stage.role_codes)) - authors[statement_id]
            if stage.capability and not others and (
                    capabilities is None or stage.capability in capabilities):
                mine.append(stage)
                fallback = fallback or bool(stage.role_codes)
        if not mine:
            continue
        dues = [stage.due_at for stage in mine if stage.due_at]
        due_at = min(dues) if dues else None
        items.append(QueueItem(statement=statement, version_number=statement.current_version,
                               stages=mine, as_fallback=fallback, due_at=due_at,
                               overdue=bool(due_at and due_at < now),
                               last_seen=last_seen.get(statement_id)))
    items.sort(key=lambda item: (not item.overdue, item.due_at is None, item.due_at or now,
                                 item.statement.pk))
    return items


def _last_seen_versions(*, user, statement_ids) -> dict[int, int]:
    """The highest version number ``user`` decided or commented on, per statement."""
    seen: dict[int, int] = {}
    rows = list(ApprovalDecision.objects.filter(statement_id__in=statement_ids, decider=user)
                .order_by().values_list("statement_id", "version_number"))
    rows += list(StatementComment.objects.filter(statement_id__in=statement_ids, author=user)
                 .order_by().values_list("statement_id", "version__number"))
    for statement_id, number in rows:
        seen[statement_id] = max(number, seen.get(statement_id, 0))
    return seen
