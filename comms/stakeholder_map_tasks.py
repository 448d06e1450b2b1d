"""Background work of the stakeholder map: tell each owner, once, that an update promised
to their group is overdue (every minute, by Celery beat or, on the embedded default, by
the web process's own clock; ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task
from django.utils import timezone

from crisis.choices import IncidentStatus

from .models import IncidentStakeholder
from .stakeholder_map_services import stakeholder_mark_overdue

BATCH = 500


@shared_task
def notify_overdue_stakeholder_updates() -> int:
    """Returns how many owners were told."""
    overdue = (IncidentStakeholder.objects
               .filter(affected=True, owner__isnull=False, overdue_notified_at__isnull=True,
                       next_update_due__lt=timezone.now())
               .exclude(incident__status=IncidentStatus.CLOSED)
               .select_related("incident")
               .order_by("next_update_due")[:BATCH])
    return sum(stakeholder_mark_overdue(row=row) for row in overdue)
