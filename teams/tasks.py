import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from . import services
from .choices import EmailNotifications
from .models import Notification

logger = logging.getLogger(__name__)


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
    failure part-way through sends only what is still owed. Returns the number sent.
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
            "link": settings.SITE_URL + notification.incident.get_absolute_url()
            if notification.incident else settings.SITE_URL,
            "settings_link": settings.SITE_URL + reverse("account"),
        }
        with translation.override(recipient.email_language):
            subject = render_to_string("emails/notification_subject.txt", context)
            body = render_to_string("emails/notification.txt", context)
        send_mail(
            subject=" ".join(subject.split()),
            message=body,
            from_email=None,
            recipient_list=[recipient.email],
        )
        services.notification_mark_emailed(notification=notification)
        sent += 1
    return sent
