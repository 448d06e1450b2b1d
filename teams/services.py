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
                title=title,
                dedupe_key=dedupe_key,
                incident=incident,
            )
    except IntegrityError:
        return Notification.objects.get(recipient=recipient, dedupe_key=dedupe_key)


def notification_mark_emailed(*, notification: Notification) -> None:
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
