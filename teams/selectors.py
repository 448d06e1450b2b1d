from django.db.models import QuerySet

from .choices import STANDING_CRISIS_CORE, DepartmentKind
from .models import User


def incident_created_recipients(*, incident) -> QuerySet[User]:
    """Who hears of a new incident: the standing crisis core, except whoever opened it."""
    return (
        User.objects.filter(is_active=True, departments__kind__in=STANDING_CRISIS_CORE)
        .exclude(pk=incident.created_by_id)
        .distinct()
        .order_by("pk")
    )


def escalation_recipients(*, incident) -> QuerySet[User]:
    """Who hears when an incident turns critical or red: the executives."""
    return (
        User.objects.filter(is_active=True, departments__kind=DepartmentKind.EXECUTIVE)
        .distinct()
        .order_by("pk")
    )


def assignable_people() -> QuerySet[User]:
    """Who a task can be given to: everyone who can still sign in, by name."""
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
