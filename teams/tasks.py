import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from .models import Notification
from .services import notification_mark_emailed

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=6,
)
def deliver_notification_emails(notification_ids: list[int]) -> int:
    """Email stored notifications to recipients who have an address.

    Idempotent: a notification is emailed once (``emailed_at``), so a retry after a
    failure part-way through sends only what is still owed. Returns the number sent.
    """
    sent = 0
    notifications = (
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
        .select_related("recipient", "incident__created_by")
        .order_by("pk")
    )
    for notification in notifications:
        if not notification.recipient.email or not notification.recipient.is_active:
            continue
        context = {
            "notification": notification,
            "incident": notification.incident,
            "recipient": notification.recipient,
            "link": settings.SITE_URL + notification.incident.get_absolute_url()
            if notification.incident else settings.SITE_URL,
        }
        send_mail(
            subject=render_to_string("emails/notification_subject.txt", context).strip(),
            message=render_to_string("emails/notification.txt", context),
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification_mark_emailed(notification=notification)
        sent += 1
    return sent
