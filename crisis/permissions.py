"""Who may do what with incidents. Codenames are constants, never loose strings.

Until roles on incidents arrive (crisis teams issue), these are global rights; the
functions take the incident so that the object-level rules can slot in here.
"""

from rest_framework.permissions import BasePermission

ADD_INCIDENT = "crisis.add_incident"
MANAGE_INCIDENT = "crisis.change_incident"  # classify, escalate, move through the lifecycle
CONTRIBUTE = "crisis.add_timelineentry"  # write notes, work on tasks


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_create_incident(user) -> bool:
    return _active(user) and user.has_perm(ADD_INCIDENT)


def can_manage_incident(user, incident) -> bool:
    return _active(user) and user.has_perm(MANAGE_INCIDENT)


def can_contribute(user, incident) -> bool:
    return _active(user) and (user.has_perm(CONTRIBUTE) or user.has_perm(MANAGE_INCIDENT))


def can_work_on_task(user, task) -> bool:
    return can_contribute(user, task.incident) or (_active(user) and task.owner_id == user.pk)


class IncidentApiPermission(BasePermission):
    """Reads are limited by the selectors (404 when not visible); creating needs the right.

    Actions on one incident check their right in the service they call (403 when refused).
    """

    def has_permission(self, request, view) -> bool:
        if not _active(request.user):
            return False
        if getattr(view, "action", None) == "create" and view.basename == "incident":
            return can_create_incident(request.user)
        return True
