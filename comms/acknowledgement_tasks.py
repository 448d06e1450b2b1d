"""Background work of acknowledgements: point out to each group's owner, once, the
deliveries still unacknowledged ``CRISISDESK_ACK_REMINDER_HOURS`` after they were sent
(every 5 minutes, by Celery beat or, on the embedded default, by the web process's own
clock; ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from crisis.choices import IncidentStatus
from teams import work
from teams.choices import NotificationKind

from .acknowledgements import acknowledgement_remind, reminder_landing, unacknowledged

BATCH = 200


@shared_task
def remind_unacknowledged_deliveries() -> int:
    """Returns how many (publication, group) reminders were sent."""
    due = (unacknowledged()
           .exclude(publication__statement__incident__status=IncidentStatus.CLOSED)
           .values_list("publication_id", "group_id").distinct()
           .order_by("publication_id", "group_id")[:BATCH])
    return sum(acknowledgement_remind(publication_id=publication_id, group_id=group_id)
               for publication_id, group_id in list(due))


def register() -> None:
    """``CommsConfig.ready()`` (which also makes a worker learn the task): following a
    reminder opens the publication's page."""
    work.register_landing(NotificationKind.ACKNOWLEDGEMENT_MISSING, reminder_landing)
