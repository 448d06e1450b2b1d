"""Background work of stakeholder delivery: sending a publication's deliveries in batches
(one ``delivery.changed`` per batch), and the sweep (every minute, Celery beat) that puts
back in the queue what a dead worker left in ``sending`` and sends what is due again."""

import math
import os
import smtplib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from celery import shared_task
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from . import delivery_services
from .channels import Message, Outcome, apprise, email, in_app, webhook
from .delivery_choices import DeliveryStatus
from .models import Delivery, Publication

BATCH = 100
PARALLEL = 8  # tasks a publication is handed to at once, so every worker process helps
SENDERS = 16  # deliveries in flight at once in a worker process, recorded together

_senders: tuple[int, ThreadPoolExecutor] | None = None


def _sender_pool() -> ThreadPoolExecutor:
    """This process's sending threads (made after the worker forked its children)."""
    global _senders
    if _senders is None or _senders[0] != os.getpid():
        _senders = (os.getpid(), ThreadPoolExecutor(SENDERS, thread_name_prefix="delivery"))
    return _senders[1]


def send_soon(publication_id: int, deliveries: int) -> None:
    """Hand the publication's sending to up to ``PARALLEL`` tasks, one per batch of its
    ``deliveries`` (each task claims batches until none is left)."""
    for _task in range(max(1, min(PARALLEL, math.ceil(deliveries / BATCH)))):
        deliveries_send.delay(publication_id)


def on_statement_published(sender, *, publication, **kwargs) -> None:
    """``comms.hooks.statement_published``: write the deliveries with the publication,
    send them once it has committed."""
    if planned := delivery_services.deliveries_plan(publication=publication):
        transaction.on_commit(lambda: send_soon(publication.pk, planned))


def _send_in_app(delivery: Delivery, message: Message) -> None:
    with transaction.atomic():  # the notice and the result commit together
        outcome = in_app.send(delivery, message)
        if not delivery_services.delivery_record_result(
                delivery=delivery, error=outcome.error, transient=outcome.transient):
            transaction.set_rollback(True)  # the claim was lost: store nothing


class _MailSession:
    """One SMTP session for a claimed batch, opened at its first email. When the mail
    server cannot be reached, every email of the batch waits for its next attempt at once
    (instead of each waiting for its own connection timeout)."""

    def __init__(self):
        self.connection = None
        self.unreachable: Outcome | None = None

    def send(self, emails: list[Delivery], message: Message) -> list[Outcome]:
        if emails and self.connection is None and self.unreachable is None:
            connection = get_connection()
            try:
                connection.open()
                self.connection = connection
            except (OSError, smtplib.SMTPException) as error:
                self.unreachable = Outcome(_("The mail server could not be reached: %(why)s")
                                           % {"why": error}, transient=True)
        if self.unreachable is not None:
            return [self.unreachable] * len(emails)
        return [email.send(delivery, message, connection=self.connection)
                for delivery in emails]

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _send_chunk(chunk: list[Delivery], message: Message, mail: _MailSession) -> list:
    """Send up to ``SENDERS`` claimed deliveries: the webhooks at once, beside the emails
    going one after the other over the batch's SMTP session; chat and SMS one by one
    (apprise reads its log per call). The senders query nothing, so the threads need no
    database. (delivery, outcome) pairs."""
    by_channel: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in chunk:
        by_channel[delivery.channel].append(delivery)
    pool = _sender_pool()
    emails = by_channel.pop("email", [])
    mailing = pool.submit(mail.send, emails, message) if emails else None
    hooks = by_channel.pop("webhook", [])
    posting = [pool.submit(webhook.send, delivery, message) for delivery in hooks]
    results = []
    for channel, deliveries in by_channel.items():
        for delivery in deliveries:
            outcome = (apprise.send(delivery, message) if channel in ("chat", "sms")
                       else Outcome(f"unknown channel {channel}"))
            results.append((delivery, outcome))
    results += zip(hooks, (future.result() for future in posting), strict=True)
    if mailing is not None:
        results += zip(emails, mailing.result(), strict=True)
    return results


def _send_batch(batch: list[Delivery], message: Message) -> None:
    """Send a claimed batch ``SENDERS`` deliveries at a time, recording each such chunk's
    results before the next goes out (the sent ones in one UPDATE): a worker that dies
    leaves at most one chunk sent but unrecorded, for the sweep to send again with the
    same idempotency key and Message-ID. In-app notices commit with their result."""
    for delivery in batch:
        if delivery.channel == "in_app":
            _send_in_app(delivery, message)
    outgoing = [delivery for delivery in batch if delivery.channel != "in_app"]
    mail = _MailSession()
    try:
        for start in range(0, len(outgoing), SENDERS):
            results = _send_chunk(outgoing[start:start + SENDERS], message, mail)
            delivery_services.deliveries_record_results(
                results=[(delivery, outcome.error, outcome.transient)
                         for delivery, outcome in results])
    finally:
        mail.close()


@shared_task(acks_late=True)
def deliveries_send(publication_id: int) -> int:
    """Send the publication's due deliveries, a batch at a time; the number handled.
    Idempotent: only queued, due rows are claimed, each by one worker; several of these
    tasks share a publication (``send_soon``)."""
    publication = (Publication.objects.select_related("version", "statement__incident")
                   .filter(pk=publication_id).first())
    if publication is None:
        return 0
    message = Message.of(publication)
    handled = 0
    while batch := delivery_services.deliveries_claim(publication_id=publication_id,
                                                      limit=BATCH):
        for delivery in batch:
            delivery.publication = publication  # loaded once, not with every row
        _send_batch(batch, message)
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
    due = dict(Delivery.objects.filter(status=DeliveryStatus.QUEUED,
                                       next_attempt_at__lte=timezone.now())
               .values_list("publication_id").annotate(n=Count("pk")).order_by())
    for publication_id, count in due.items():
        send_soon(publication_id, count)
    return sorted(due)
