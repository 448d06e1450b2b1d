import logging
import smtplib
from datetime import timedelta
from email.utils import parseaddr

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from core.mail import backend_delivers

from . import services
from .choices import IMPORTANT_NOTIFICATIONS, EmailNotifications
from .models import Notification

logger = logging.getLogger(__name__)


def message_id(notification: Notification) -> str:
    """``<notification.<id>.<signature>@<the sender's domain>>``, the same on every attempt
    and from every worker: a worker killed between sending an email and recording it leaves
    it owed, the sweep sends it again, and a mail store that keeps one message per id drops
    the copy (with a new id each time, the recipient got both). The signature (keyed by
    SECRET_KEY) keeps two installations sending from one domain apart."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "crisisdesk"
    signature = salted_hmac("crisisdesk.notification-email", str(notification.pk)).hexdigest()
    return f"<notification.{notification.pk}.{signature[:16]}@{domain}>"


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=6,
)
def deliver_notification_emails(notification_ids: list[int]) -> int:
    """Email stored notifications to recipients who have an address and want them.

    Each email is written in the recipient's language. What the recipient's preference
    (``User.email_notifications``, read now) leaves out is not sent and stays unemailed.
    Idempotent: a notification is emailed once (``emailed_at``), so a retry after a
    failure part-way through sends only what is still owed. What a backend that does not
    deliver (console, file) prints is not counted as sent. Returns the number sent.
    """
    sent = 0
    notifications = (
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
        .select_related("recipient", "incident__created_by")
        .order_by("pk")
    )
    for notification in notifications:
        recipient = notification.recipient
        if not recipient.email or not recipient.is_active:
            continue
        if not EmailNotifications(recipient.email_notifications).wants(notification.kind):
            continue
        context = {
            "notification": notification,
            "incident": notification.incident,
            "recipient": recipient,
            # Without an incident (an early-warning alert): following the notification
            # lands where its kind says (teams.work.register_landing).
            "link": settings.SITE_URL + (notification.incident.get_absolute_url()
                                         if notification.incident else
                                         reverse("notification-open", args=[notification.pk])),
            "settings_link": settings.SITE_URL + reverse("account"),
        }
        with translation.override(recipient.email_language):
            subject = render_to_string("emails/notification_subject.txt", context)
            body = render_to_string("emails/notification.txt", context)
        EmailMessage(subject=" ".join(subject.split()), body=body, to=[recipient.email],
                     headers={"Message-ID": message_id(notification)}).send()
        if backend_delivers():  # printed by the console backend is not sent
            services.notification_mark_emailed(notification=notification)
            sent += 1
    return sent


# Notifications whose email was never queued or never sent (the broker was down when they
# were stored, a worker died): the sweep sends what is still owed. Younger ones are left
# to the task queued with them; older ones are no longer news.
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_WITHIN = timedelta(hours=24)
SWEEP_BATCH = 200


@shared_task
def sweep_unsent_notification_emails() -> int:
    """Send the emails owed for notifications stored 2 minutes to 24 hours ago (run every
    few minutes by beat). Idempotent, like the task it calls. Returns the number sent."""
    if not backend_delivers():
        return 0  # nothing can be sent yet: core.mail warned at start-up
    now = timezone.now()
    owed = list(
        Notification.objects.filter(emailed_at__isnull=True,
                                    created_at__range=(now - SWEEP_WITHIN, now - SWEEP_AFTER),
                                    recipient__is_active=True)
        .filter(Q(recipient__email_notifications=EmailNotifications.ALL)
                | Q(recipient__email_notifications=EmailNotifications.IMPORTANT,
                    kind__in=IMPORTANT_NOTIFICATIONS))
        .exclude(recipient__email="")
        .order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    return deliver_notification_emails(owed) if owed else 0
