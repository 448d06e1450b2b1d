import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from crisis.models import Incident

from .choices import NotificationKind
from .selectors import incident_created_recipients
from .services import notification_create, notification_mark_emailed

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=6,
)
def notify_incident_created(incident_id: int) -> int:
    """Tell the standing crisis core about a new incident: stored notification plus email.

    Idempotent: a notification exists once per person and incident, and an email goes out
    only for notifications not yet emailed, so a retry never sends twice.
    Returns how many emails this run sent.
    """
    incident = Incident.objects.select_related("created_by").filter(pk=incident_id).first()
    if incident is None:
        logger.info("incident %s is gone; nothing to notify", incident_id)
        return 0
    link = settings.SITE_URL + reverse("crisis:incident-detail", args=[incident.pk])
    sent = 0
    for recipient in incident_created_recipients(incident=incident):
        notification = notification_create(
            recipient=recipient,
            kind=NotificationKind.INCIDENT_CREATED,
            title=f"{incident.reference}: {incident.title}",
            dedupe_key=f"incident_created:{incident.pk}",
            incident=incident,
        )
        if notification.emailed_at is not None or not recipient.email:
            continue
        context = {"incident": incident, "recipient": recipient, "link": link}
        send_mail(
            subject=render_to_string("emails/incident_created_subject.txt", context).strip(),
            message=render_to_string("emails/incident_created.txt", context),
            from_email=None,
            recipient_list=[recipient.email],
        )
        notification_mark_emailed(notification=notification)
        sent += 1
    return sent
