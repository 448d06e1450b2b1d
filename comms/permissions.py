"""Who may do what with statements. The rights on an incident come from crisis (roles
grant them); freezing all publishing is a global right of crisis managers; deciding a
review stage takes the stage's role on the incident, or its capability when nobody but
the statement's authors holds that role."""

from crisis.permissions import (
    DRAFT_STATEMENT,
    PUBLISH_STATEMENT,
    can_contribute,
    can_manage_incident,
    has_right,
    is_active,
)
from crisis.selectors import may_view
from teams.models import RoleAssignment

from .models import ReviewStage, Statement, StatementVersion

# Freezing publishing everywhere (crisis managers and administrators, migration 0002);
# a freeze on one incident also needs only the right to run that incident.
FREEZE_PUBLISHING = "comms.add_publishingfreeze"


def can_view_statement(user, statement: Statement) -> bool:
    return may_view(user=user, incident=statement.incident)


def can_draft(user, incident) -> bool:
    return may_view(user=user, incident=incident) and has_right(user, incident, DRAFT_STATEMENT)


def can_publish(user, incident) -> bool:
    return may_view(user=user, incident=incident) and has_right(user, incident,
                                                                PUBLISH_STATEMENT)


def can_freeze(user, incident=None) -> bool:
    """Freeze (or lift a freeze on) publishing: everywhere with ``FREEZE_PUBLISHING``;
    on one incident also whoever runs it."""
    if not is_active(user):
        return False
    if user.has_perm(FREEZE_PUBLISHING):
        return incident is None or may_view(user=user, incident=incident)
    return (incident is not None and may_view(user=user, incident=incident)
            and can_manage_incident(user, incident))


# --- review stages ------------------------------------------------------------------------

def statement_authors(statement: Statement) -> set[int]:
    """Everyone who wrote or edited any version: none of them may decide on it."""
    return set(StatementVersion.objects.filter(statement=statement)
               .values_list("author_id", flat=True))


def stage_role_holders(statement: Statement, stage: ReviewStage) -> set[int]:
    if not stage.role_codes:
        return set()
    return set(RoleAssignment.objects.filter(
        incident_id=statement.incident_id, role__code__in=stage.role_codes,
        ended_at__isnull=True, user__is_active=True).values_list("user_id", flat=True))


def stage_fallback_open(statement: Statement, stage: ReviewStage,
                        authors: set[int] | None = None) -> bool:
    """The stage's capability may decide: it names no role, or nobody but the statement's
    authors holds the role on the incident (a queue says so beside the stage)."""
    if not stage.capability:
        return False
    if authors is None:
        authors = statement_authors(statement)
    return not (stage_role_holders(statement, stage) - authors)


def _has_capability(user, name: str) -> bool:
    return user.is_superuser or user.groups.filter(name=name).exists()


def stage_eligibility(user, statement: Statement, stage: ReviewStage,
                      authors: set[int] | None = None) -> tuple[bool, bool]:
    """(may decide, as the capability's fallback) for ``user`` at ``stage``, leaving the
    authors' own exclusion to the caller (it has its own message)."""
    if not is_active(user) or not may_view(user=user, incident=statement.incident):
        return False, False
    if user.pk in stage_role_holders(statement, stage):
        return True, False
    if stage.capability and stage_fallback_open(statement, stage, authors) and \
            _has_capability(user, stage.capability):
        return True, bool(stage.role_codes)
    return False, False


def may_decide_some_stage(*, user, statement: Statement) -> bool:
    if statement.review_round == 0 or user.pk in statement_authors(statement):
        return False
    return any(stage_eligibility(user, statement, stage)[0]
               for stage in statement.review_stages.filter(round=statement.review_round))


def can_comment(user, statement: Statement) -> bool:
    """Anyone working on the incident, drafting or reviewing its statements."""
    incident = statement.incident
    return may_view(user=user, incident=incident) and (
        can_contribute(user, incident) or has_right(user, incident, DRAFT_STATEMENT)
        or may_decide_some_stage(user=user, statement=statement))
