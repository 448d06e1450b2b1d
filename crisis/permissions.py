"""Who may do what with incidents. Codenames are constants, never loose strings."""

from rest_framework.permissions import BasePermission

ADD_INCIDENT = "crisis.add_incident"


def can_create_incident(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(ADD_INCIDENT)


class IncidentApiPermission(BasePermission):
    """Reads are limited by the selector (404 when not visible); creating needs the right.

    Other actions are left to their own checks (a method the view lacks answers 405).
    """

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action == "create":
            return can_create_incident(request.user)
        return True
