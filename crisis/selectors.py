"""Permission-aware reads: every incident a user sees comes through here."""

from django.db.models import QuerySet
from django.http import Http404

from .models import Incident


def incident_list(*, user) -> QuerySet[Incident]:
    """The incidents ``user`` may view, joined for list display.

    Every signed-in active user may view every incident for now: all are *internal*.
    The crisis teams issue narrows this for restricted and confidential incidents.
    """
    if not (user.is_authenticated and user.is_active):
        return Incident.objects.none()
    return Incident.objects.select_related("created_by")


def incident_get(*, user, pk) -> Incident:
    """The incident, or 404 whether it does not exist or the user may not view it."""
    try:
        return incident_list(user=user).get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise Http404("No incident matches the given query.") from None


def incident_visible(*, user, incident_id: int) -> bool:
    return incident_list(user=user).filter(pk=incident_id).exists()
