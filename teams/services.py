from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification, User


def notification_create(
    *, recipient: User, kind: str, title: str, dedupe_key: str, incident=None
) -> Notification:
    """Store a notification once per recipient and cause (safe to call again on retry)."""
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title[:240],
                dedupe_key=dedupe_key,
                incident=incident,
            )
    except IntegrityError:
        return Notification.objects.get(recipient=recipient, dedupe_key=dedupe_key)


def notify(
    *, recipients: Iterable[User], kind: str, title: str, dedupe_key: str, incident=None
) -> list[Notification]:
    """Store notifications with the change that causes them; email them after commit."""
    from .tasks import deliver_notification_emails

    notifications = [
        notification_create(recipient=user, kind=kind, title=title, dedupe_key=dedupe_key,
                            incident=incident)
        for user in recipients
    ]
    pending = [n.pk for n in notifications if n.emailed_at is None]
    if pending:
        transaction.on_commit(lambda: deliver_notification_emails.delay(pending))
    return notifications


def notification_mark_emailed(*, notification: Notification) -> None:
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
