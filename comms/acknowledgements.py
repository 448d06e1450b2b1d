"""Acknowledgement of a delivery by a signed link (issue 13): where a stakeholder group
requires it (regulators), each contact's email, webhook and SMS carry a link
``/ack/<token>/`` (``comms.acknowledgement_links``). Opening the link shows what
was published; pressing the button (a POST, never the GET: mail scanners open links)
acknowledges it, once. The link is the proof the message reached the person, so a
delivery recorded as failed or still retrying (an attempt that did arrive) is
acknowledged too.

Deliveries sent more than ``CRISISDESK_ACK_REMINDER_HOURS`` ago and still not acknowledged
are pointed out once, per publication and group, to the group's owner on the incident's
stakeholder map (or else the incident's lead): ``acknowledgement_remind``, run by the
periodic ``comms.acknowledgement_tasks.remind_unacknowledged_deliveries``.

No timeline entry: who acknowledged is personal data, and a group of many would flood the
timeline; the publication's page and the stakeholder map show the counts, live.
"""

import threading
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crisis.services import incident_lock
from teams.choices import NotificationKind
from teams.selectors import current_lead
from teams.services import notification_send

from . import delivery_services
from .acknowledgement_links import delivery_for_token
from .delivery_choices import DeliveryStatus
from .models import Delivery, DeliveryAcknowledgement, IncidentStakeholder, StakeholderGroup

REMINDER_KEY = "ack_reminder"  # the reminder notification's dedupe key starts with it
# SQLite (the embedded default, one process): one acknowledgement at a time. Two that read
# and then write at once (a double-clicked button) failed there with "database is locked".
_one_writer = threading.Lock()


@dataclass(frozen=True)
class Acknowledged:
    delivery: Delivery
    acknowledged_at: datetime
    now: bool  # False: it had been acknowledged before


def delivery_acknowledge(*, token: str, remote_addr: str | None = None,
                         user_agent: str = "") -> Acknowledged:
    """Acknowledge the delivery a link names, and the contact's other deliveries of the
    same publication (the email and the webhook carry the same statement: the person
    confirms the statement, not the channel). Once: a second time says when it was.
    Raises ``acknowledgement_links.LinkInvalid`` or ``LinkExpired``. The publication's
    counts go out live."""
    found = delivery_for_token(token)
    postgresql = connection.vendor == "postgresql"
    with nullcontext() if postgresql else _one_writer, transaction.atomic():
        incident_lock(found.publication.statement.incident)
        delivery = Delivery.objects.select_for_update().get(pk=found.pk)
        earlier = DeliveryAcknowledgement.objects.filter(delivery=delivery).first()
        if earlier is not None:
            return Acknowledged(delivery, earlier.acknowledged_at, now=False)
        now = timezone.now()
        locked = {delivery.pk}
        if delivery.contact_id is not None:
            locked |= set(Delivery.objects.select_for_update()
                          .filter(publication_id=delivery.publication_id,
                                  contact_id=delivery.contact_id)
                          .values_list("pk", flat=True))
        same_person = sorted(locked - set(DeliveryAcknowledgement.objects.filter(
            delivery_id__in=locked).values_list("delivery_id", flat=True)))
        DeliveryAcknowledgement.objects.bulk_create(
            DeliveryAcknowledgement(delivery_id=pk, acknowledged_at=now,
                                    remote_addr=remote_addr or None,
                                    user_agent=(user_agent or "")[:300])
            for pk in same_person)
        Delivery.objects.filter(pk__in=same_person).update(status=DeliveryStatus.ACKNOWLEDGED)
        delivery.status = DeliveryStatus.ACKNOWLEDGED
        delivery_services.publication_tell_progress(publication_id=delivery.publication_id)
    return Acknowledged(delivery, now, now=True)


# --- reminding the owner ---------------------------------------------------------------------

def reminder_after() -> timedelta:
    return timedelta(hours=settings.CRISISDESK_ACK_REMINDER_HOURS)


def unacknowledged(*, now: datetime | None = None):
    """Deliveries that asked for an acknowledgement, were sent longer than the reminder
    time ago, still have none and were not pointed out yet."""
    now = now or timezone.now()
    return Delivery.objects.filter(group__acknowledgement_required=True,
                                   contact__isnull=False, status=DeliveryStatus.SENT,
                                   sent_at__lt=now - reminder_after(),
                                   ack_reminded_at__isnull=True)


def reminder_recipient(incident, group: StakeholderGroup):
    """The group's owner on the incident's stakeholder map, or else the incident's lead."""
    row = (IncidentStakeholder.objects.filter(incident=incident, group=group,
                                              owner__isnull=False)
           .select_related("owner").first())
    if row is not None:
        return row.owner
    lead = current_lead(incident=incident)
    return lead.user if lead is not None else None


def acknowledgement_remind(*, publication_id: int, group_id: int,
                           now: datetime | None = None) -> bool:
    """Tell the group's owner, once, how many of the publication's deliveries to the group
    are still unacknowledged; the deliveries are marked under their locks in the
    transaction that stores the notice. False when nothing is due (acknowledged or pointed
    out meanwhile) or nobody owns the group and the incident has no lead."""
    now = now or timezone.now()
    with transaction.atomic():
        first = (Delivery.objects.select_related("publication__statement__incident", "group")
                 .filter(publication_id=publication_id, group_id=group_id).first())
        if first is None:
            return False
        incident = incident_lock(first.publication.statement.incident)
        due = list(unacknowledged(now=now).select_for_update(of=("self",))
                   .filter(publication_id=publication_id, group_id=group_id)
                   .values_list("pk", flat=True))
        if not due:
            return False
        Delivery.objects.filter(pk__in=due).update(ack_reminded_at=now)
        waiting = (Delivery.objects.filter(publication_id=publication_id, group_id=group_id,
                                           contact__isnull=False)
                   .exclude(status=DeliveryStatus.ACKNOWLEDGED)
                   .values("contact_id").distinct().count())  # people, not channels
        owner = reminder_recipient(incident, first.group)
        if owner is None:
            return False
        statement, group = first.publication.statement, first.group
        version = first.version_number

        def title() -> str:  # in the owner's language
            return _("%(ref)s: %(n)d of %(group)s have not acknowledged “%(title)s” "
                     "(version %(version)d)") % {
                "ref": incident.reference, "n": waiting, "group": str(group),
                "title": statement.title, "version": version}

        # Following it opens the publication's page (the landing registered for the kind).
        notification_send(recipients=[owner], kind=NotificationKind.ACKNOWLEDGEMENT_MISSING,
                          title=title,
                          dedupe_key=f"{REMINDER_KEY}:{publication_id}:{group_id}",
                          actor=None, incident=incident)
    return True


def reminder_landing(notification) -> str | None:
    """The publication's page, for an acknowledgement reminder (else None)."""
    prefix, _sep, rest = notification.dedupe_key.partition(":")
    if prefix != REMINDER_KEY:
        return None
    publication_id = rest.split(":", 1)[0]
    return reverse("crisis:publication-detail", args=[int(publication_id)])
