from django.db.models import QuerySet

from .choices import STANDING_CRISIS_CORE
from .models import User


def incident_created_recipients(*, incident) -> QuerySet[User]:
    """Who hears of a new incident: the standing crisis core, except whoever opened it."""
    return (
        User.objects.filter(is_active=True, departments__kind__in=STANDING_CRISIS_CORE)
        .exclude(pk=incident.created_by_id)
        .distinct()
        .order_by("pk")
    )
