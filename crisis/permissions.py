"""Who may see and do what with an incident. Codenames are constants, never loose strings.

Seeing an incident follows its confidentiality (``crisis.selectors`` holds the one rule).
Doing something in it takes a *right*: a role on that incident grants rights as guardian
object permissions (``teams.services`` keeps them in step with the roles); a global grant
of the same permission (administrators) holds on every incident its holder may view.
Tasks, statements and reviews belong to their incident and follow its rights.
"""

from rest_framework.permissions import BasePermission

ADD_INCIDENT = "crisis.add_incident"

# Rights on one incident, as "app_label.codename" (global) and codename (object).
VIEW = "crisis.view_incident"
MANAGE_INCIDENT = "crisis.change_incident"  # classify, escalate, move through the lifecycle
CONTRIBUTE = "crisis.contribute_incident"  # write notes, work on tasks
MANAGE_TEAM = "crisis.manage_team"
DRAFT_STATEMENT = "crisis.draft_statement"
APPROVE_STATEMENT = "crisis.approve_statement"
PUBLISH_STATEMENT = "crisis.publish_statement"
MANAGE_STAKEHOLDERS = "crisis.manage_stakeholders"
EDIT_REVIEW = "crisis.edit_review"
INCIDENT_RIGHTS = (VIEW, MANAGE_INCIDENT, CONTRIBUTE, MANAGE_TEAM, DRAFT_STATEMENT,
                   APPROVE_STATEMENT, PUBLISH_STATEMENT, MANAGE_STAKEHOLDERS, EDIT_REVIEW)

# Seeing beyond the team: restricted incidents (crisis managers, executives, auditors)
# and every incident, confidential ones too (administrators).
VIEW_RESTRICTED = "crisis.view_restricted_incident"
VIEW_EVERY = "crisis.view_every_incident"


def codename(right: str) -> str:
    return right.split(".", 1)[1]


INCIDENT_RIGHT_CODENAMES = tuple(codename(right) for right in INCIDENT_RIGHTS)


def is_active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def granted_on(user, incident) -> frozenset[str]:
    """The rights ``user``'s roles grant on ``incident`` (codenames), read once per
    incident instance: a page asks many questions, the database answers one."""
    if not is_active(user) or incident.pk is None:
        return frozenset()
    cache = incident.__dict__.setdefault("_granted_rights", {})
    if user.pk not in cache:
        cache[user.pk] = frozenset(
            incident.incidentuserobjectpermission_set.filter(user=user)
            .values_list("permission__codename", flat=True))
    return cache[user.pk]


def forget_granted(incident) -> None:
    """Drop what ``granted_on`` remembered (after the roles on ``incident`` changed)."""
    incident.__dict__.pop("_granted_rights", None)


def has_right(user, incident, right: str) -> bool:
    """``user`` holds ``right`` on ``incident`` (the caller already may view it)."""
    if not is_active(user):
        return False
    return user.has_perm(right) or codename(right) in granted_on(user, incident)


def can_create_incident(user) -> bool:
    return is_active(user) and user.has_perm(ADD_INCIDENT)


def can_manage_incident(user, incident) -> bool:
    return has_right(user, incident, MANAGE_INCIDENT)


def can_contribute(user, incident) -> bool:
    return has_right(user, incident, CONTRIBUTE) or has_right(user, incident, MANAGE_INCIDENT)


def can_manage_team(user, incident) -> bool:
    return has_right(user, incident, MANAGE_TEAM)


def can_work_on_task(user, task) -> bool:
    return can_contribute(user, task.incident) or (is_active(user) and task.owner_id == user.pk)


class IncidentApiPermission(BasePermission):
    """Reads are limited by the selectors (404 when not visible); creating needs the right.

    Actions on one incident check their right in the service they call (403 when refused).
    """

    def has_permission(self, request, view) -> bool:
        if not is_active(request.user):
            return False
        if getattr(view, "action", None) == "create" and view.basename == "incident":
            return can_create_incident(request.user)
        return True
