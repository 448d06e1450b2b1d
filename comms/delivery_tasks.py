"""Background work of stakeholder delivery: sending a publication's deliveries in batches
(one ``delivery.changed`` per batch), and the sweep (every minute, Celery beat) that puts
back in the queue what a dead worker left in ``sending`` and sends what is due again."""

import smtplib
from datetime import timedelta

from celery import shared_task
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import delivery_services
from .channels import Message, Outcome, apprise, email, in_app, webhook
from .delivery_choices import DeliveryStatus
from .models import Delivery, Publication

BATCH = 100


def on_statement_published(sender, *, publication, **kwargs) -> None:
    """``comms.hooks.statement_published``: write the deliveries with the publication,
    send them once it has committed."""
    if delivery_services.deliveries_plan(publication=publication):
        transaction.on_commit(lambda: deliveries_send.delay(publication.pk))


def _send_one(delivery: Delivery, message: Message, connection,
              unreachable: Outcome | None = None) -> None:
    if delivery.channel == "in_app":
        with transaction.atomic():  # the notice and the result commit together
            outcome = in_app.send(delivery, message)
            if not delivery_services.delivery_record_result(
                    delivery=delivery, error=outcome.error, transient=outcome.transient):
                transaction.set_rollback(True)  # the claim was lost: store nothing
        return
    if delivery.channel == "email":
        outcome = unreachable or email.send(delivery, message, connection=connection)
    elif delivery.channel == "webhook":
        outcome = webhook.send(delivery, message)
    elif delivery.channel in ("chat", "sms"):
        outcome = apprise.send(delivery, message)
    else:
        outcome = Outcome(f"unknown channel {delivery.channel}")
    delivery_services.delivery_record_result(delivery=delivery, error=outcome.error,
                                             transient=outcome.transient)


@shared_task(acks_late=True)
def deliveries_send(publication_id: int) -> int:
    """Send the publication's due deliveries, a batch at a time; the number handled.
    Idempotent: only queued, due rows are claimed, each by one worker."""
    publication = (Publication.objects.select_related("version", "statement__incident")
                   .filter(pk=publication_id).first())
    if publication is None:
        return 0
    message = Message.of(publication)
    handled = 0
    while batch := delivery_services.deliveries_claim(publication_id=publication_id,
                                                      limit=BATCH):
        connection, unreachable = None, None
        if any(delivery.channel == "email" for delivery in batch):
            connection = get_connection()  # one SMTP session a batch
            try:
                connection.open()
            except (OSError, smtplib.SMTPException) as error:
                # Every email of the batch waits for the next attempt, instead of each
                # waiting for its own connection timeout.
                unreachable = Outcome(_("The mail server could not be reached: %(why)s")
                                      % {"why": error}, transient=True)
        try:
            for delivery in batch:
                _send_one(delivery, message, connection, unreachable)
        finally:
            if connection is not None:
                connection.close()
        handled += len(batch)
        delivery_services.publication_tell_progress(publication_id=publication_id)
    return handled


@shared_task
def sweep_deliveries(stale_after_seconds: float | None = None) -> list[int]:
    """Re-queue deliveries stuck in ``sending`` (their worker died; after
    ``delivery_services.STALE_AFTER`` unless ``stale_after_seconds`` says otherwise) and
    send whatever is due (retries after their backoff, hand resends). The publications it
    sent for."""
    stale_after = (delivery_services.STALE_AFTER if stale_after_seconds is None
                   else timedelta(seconds=stale_after_seconds))
    touched = delivery_services.deliveries_requeue_stale(stale_after=stale_after)
    for publication_id in touched:
        delivery_services.publication_tell_progress(publication_id=publication_id)
    due = sorted(set(Delivery.objects.filter(status=DeliveryStatus.QUEUED,
                                             next_attempt_at__lte=timezone.now())
                     .values_list("publication_id", flat=True)))
    for publication_id in due:
        deliveries_send.delay(publication_id)
    return due
