"""Writes of stakeholder delivery: choosing a publication's audience, resolving its
recipients once, and moving each Delivery through its states.

Exactly once: a delivery is *claimed* (queued → sending, attempt + 1, ``claimed_at``) in a
transaction that commits before anything goes out (rows locked with
``select_for_update(skip_locked=True)``, so two workers never claim the same row); after
the send it becomes sent, failed (permanent error, or the last attempt) or queued again
with a backoff (transient error). A worker that dies between claim and result leaves the
row in ``sending``; the sweep puts it back in the queue after ``STALE_AFTER`` (it may then
go out a second time, carrying the same idempotency key, so a webhook receiver can drop
the copy). Nothing here sends: the channels (``comms.channels``) do, from
``comms.delivery_tasks``.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from crisis import live
from crisis.choices import StakeholderKind, TimelineKind
from crisis.selectors import people_who_may_view
from crisis.services import incident_lock
from crisis.timeline import timeline_record

from . import delivery_tasks, events, services
from .channels.apprise import masked_url
from .delivery_choices import DELIVERY_CHANNELS, DeliveryStatus
from .models import (
    AppriseEndpoint,
    Contact,
    Delivery,
    Publication,
    PublicationTarget,
    StakeholderGroup,
    Statement,
)
from .permissions import can_publish
from .stakeholder_choices import Channel

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 30  # 30 s, 1, 2, 4 min... between attempts
MAX_BACKOFF_SECONDS = 30 * 60
STALE_AFTER = timedelta(minutes=10)  # a send takes at most the channel's timeout
BULK = 1_000


@dataclass(frozen=True)
class Audience:
    """The stakeholder groups and channels a publication goes out to."""

    groups: tuple[StakeholderGroup, ...] = ()
    channels: tuple[str, ...] = field(default=())


# The audience chosen by the caller of ``statement_publish_to``, read by the hook receiver
# inside the publishing transaction (the hook's arguments are the publication's own).
_audience: ContextVar[Audience | None] = ContextVar("publication_audience", default=None)


def allowed_groups(statement: Statement | None):
    """The stakeholder groups a statement may go to: those of the audience it was approved
    for (legal reviewed the text for them), every group when it names no audience."""
    groups = StakeholderGroup.objects.order_by("position", "name")
    if statement is not None and statement.audience:
        groups = groups.filter(kind__in=statement.audience)
    return groups


def check_audience(*, groups, channels, statement: Statement | None = None) -> Audience:
    """The audience from ids and channel codes, or a ValidationError naming the field.
    With ``statement``, only groups of the audience it was approved for."""
    groups, channels = list(groups or []), list(channels or [])
    problems: dict[str, list[str]] = {}
    try:
        ids = {int(pk) for pk in groups}
    except (TypeError, ValueError):
        ids = set()
        problems["groups"] = [_("Name stakeholder groups by their ids.")]
    if any(not 0 < pk < 2**63 for pk in ids):  # no such id (a database cannot hold one)
        problems["groups"] = [_("No stakeholder group has the id %(ids)s.") % {
            "ids": ", ".join(str(pk) for pk in sorted(ids) if not 0 < pk < 2**63)}]
        ids = set()
    found = list(StakeholderGroup.objects.filter(pk__in=ids).order_by("position", "name"))
    if len(found) != len(ids) and "groups" not in problems:
        missing = sorted(ids - {group.pk for group in found})
        problems["groups"] = [_("No stakeholder group has the id %(ids)s.")
                              % {"ids": ", ".join(map(str, missing))}]
    allowed = {group.pk for group in allowed_groups(statement)}
    outside = [group for group in found if group.pk not in allowed]
    if outside and "groups" not in problems:
        problems["groups"] = [_("%(groups)s: not among the audiences this statement was "
                                "approved for (%(audience)s).") % {
            "groups": ", ".join(str(group) for group in outside),
            "audience": ", ".join(str(StakeholderKind(kind).label)
                                  for kind in statement.audience)}]
    unknown = [str(c) for c in channels if c not in DELIVERY_CHANNELS]
    if unknown:
        problems["channels"] = [_("“%(codes)s” is not a channel to publish on; use %(known)s.")
                                % {"codes": ", ".join(unknown),
                                   "known": ", ".join(DELIVERY_CHANNELS)}]
    if found and not channels and not problems:
        problems["channels"] = [_("Choose at least one channel for the groups.")]
    if problems:
        raise ValidationError(problems)
    return Audience(groups=tuple(found),
                    channels=tuple(c for c in DELIVERY_CHANNELS if c in channels))


def default_audience(statement: Statement) -> tuple[list[int], list[str]]:
    """What the publish form starts with: the groups of the statement's audience and the
    channels those groups use (of the ones a publication goes out on)."""
    groups = list(StakeholderGroup.objects.filter(kind__in=statement.audience or []))
    channels = {c for group in groups for c in group.channels}
    return [g.pk for g in groups], [c for c in DELIVERY_CHANNELS if c in channels]


def statement_publish_to(*, actor, statement: Statement, groups=(), channels=()) -> Publication:
    """Publish ``statement`` (``comms.services.statement_publish``, every rule of it) to
    the chosen stakeholder groups on the chosen channels. No groups: the status page only.
    Publishing again publishes nothing more, to nobody."""
    audience = check_audience(groups=groups, channels=channels, statement=statement)
    token = _audience.set(audience)
    try:
        publication = services.statement_publish(actor=actor, statement=statement)
    finally:
        _audience.reset(token)
    _check_same_audience(publication, audience)
    return publication


def _check_same_audience(publication: Publication, audience: Audience) -> None:
    """Publishing again to the same audience (a double click) answers the publication; to
    another one it is refused (409), rather than answered as if those groups were sent it:
    a statement goes out once, to the audience of its first publishing."""
    target = PublicationTarget.objects.filter(publication=publication).first()
    if target is None:
        return
    groups = list(target.groups.order_by("position", "name"))
    if ({group.pk for group in groups} == {group.pk for group in audience.groups}
            and set(target.channels) == set(audience.channels)):
        return
    names = ", ".join(str(group) for group in groups) or _("the public status page only")
    channel_names = ", ".join(str(Channel(code).label) for code in DELIVERY_CHANNELS
                              if code in target.channels)
    raise ConflictError(
        _("Version %(n)s was already published, to %(groups)s%(channels)s; a statement goes "
          "out once, so nothing was sent to the groups or channels now chosen.") % {
            "n": publication.version.number, "groups": names,
            "channels": f" ({channel_names})" if groups and channel_names else ""},
        current="published", allowed=[])


def _contact_address(contact: Contact, channel: str) -> str:
    addresses = contact.addresses or {}
    if channel == "email":
        return contact.email
    if channel == "sms":  # the number for texts, else the phone
        return addresses.get("sms") or contact.phone
    return addresses.get(channel, "")


def _recipient_fields(*, statement: Statement, audience: Audience) -> Iterator[dict]:
    """The fields of each delivery to ``audience``: active contacts of the groups with an
    address on the channel (a contact in two groups counts once, for the first group; SMS
    only when an SMS gateway is active, through the first one), each active chat room of
    the groups (apprise endpoints; the address shown is the URL masked), and for the
    employees group in-app notices to everyone who may view the incident."""
    seen: set[tuple[str, int, str]] = set()
    gateway = (AppriseEndpoint.objects.filter(channel="sms", is_active=True).order_by("pk")
               .first() if "sms" in audience.channels else None)
    contact_channels = [c for c in audience.channels
                        if c in ("email", "webhook") or (c == "sms" and gateway)]
    for group in audience.groups:
        if contact_channels:
            contacts = (Contact.objects.filter(groups=group, is_active=True)
                        .only("pk", "email", "phone", "addresses").order_by("pk"))
            for contact in contacts.iterator(chunk_size=BULK):
                for channel in contact_channels:
                    address = _contact_address(contact, channel)
                    key = ("contact", contact.pk, channel)
                    if address and key not in seen:
                        seen.add(key)
                        yield {"group": group, "contact": contact, "channel": channel,
                               "address": address,
                               "endpoint": gateway if channel == "sms" else None}
        if "chat" in audience.channels:
            rooms = AppriseEndpoint.objects.filter(group=group, channel="chat", is_active=True)
            for endpoint in rooms.order_by("pk"):
                yield {"group": group, "endpoint": endpoint, "channel": "chat",
                       "address": masked_url(endpoint.url)}
        if "in_app" in audience.channels and group.kind == StakeholderKind.EMPLOYEES:
            for user in people_who_may_view(statement.incident).order_by("pk").iterator():
                key = ("user", user.pk, "in_app")
                if key not in seen:
                    seen.add(key)
                    yield {"group": group, "user": user, "channel": "in_app"}


def _recipients(*, publication: Publication, audience: Audience) -> list[Delivery]:
    """One unsaved Delivery per recipient and channel (``_recipient_fields``)."""
    version = publication.version
    common = {"publication": publication, "version_number": version.number,
              "version_hash": publication.version_hash}
    return [Delivery(**fields, **common) for fields in _recipient_fields(
        statement=publication.statement, audience=audience)]


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    label: str
    count: int
    note: str = ""


def recipients_count(*, statement: Statement, groups=(), channels=()) -> list[ChannelCount]:
    """How many deliveries publishing ``statement`` to these groups on these channels would
    write now, per chosen channel (what the publish step confirms), with why a channel
    reaches nobody where that is not the groups' addresses. Bad groups or channels: the
    ValidationError of ``check_audience``."""
    audience = check_audience(groups=groups, channels=channels, statement=statement)
    found: dict[str, int] = defaultdict(int)
    for fields in _recipient_fields(statement=statement, audience=audience):
        found[fields["channel"]] += 1
    rows = []
    for channel in audience.channels:
        note = ""
        if not found[channel]:
            if channel == "sms" and not AppriseEndpoint.objects.filter(
                    channel="sms", is_active=True).exists():
                note = _("no SMS gateway is set up")
            elif channel == "chat":
                note = _("none of these groups has a chat room")
            elif channel == "in_app" and not any(
                    group.kind == StakeholderKind.EMPLOYEES for group in audience.groups):
                note = _("in-app notices reach the employees group only")
        rows.append(ChannelCount(channel=channel, label=str(Channel(channel).label),
                                 count=found[channel], note=note))
    return rows


def deliveries_plan(*, publication: Publication) -> int:
    """Write the publication's target and its deliveries (once; inside the publishing
    transaction). The number of deliveries written."""
    audience = _audience.get() or Audience()
    target, created = PublicationTarget.objects.get_or_create(
        publication=publication, defaults={"channels": list(audience.channels)})
    if not created:
        return 0
    target.groups.set(audience.groups)
    rows = _recipients(publication=publication, audience=audience)
    Delivery.objects.bulk_create(rows, batch_size=BULK)
    if rows:
        _tell_progress(publication)
    return len(rows)


# --- the states of a delivery ------------------------------------------------------------

def counts(publication_id: int) -> dict[str, int]:
    found = dict(Delivery.objects.filter(publication_id=publication_id).values_list("status")
                 .annotate(n=Count("pk")).values_list("status", "n"))
    return {status: found.get(status, 0) for status in DeliveryStatus.values}


def _tell_progress(publication: Publication) -> None:
    """One ``delivery.changed`` with the publication's counts (per batch, not per row)."""
    incident = incident_lock(publication.statement.incident)
    live.emit(incident=incident,
              event=events.delivery_changed(publication, counts=counts(publication.pk)))


def publication_tell_progress(*, publication_id: int) -> None:
    with transaction.atomic():
        publication = Publication.objects.select_related("statement__incident").get(
            pk=publication_id)
        _tell_progress(publication)


def deliveries_claim(*, publication_id: int | None = None, limit: int = 100,
                     now: datetime | None = None) -> list[Delivery]:
    """Claim up to ``limit`` due queued deliveries: sending, attempt + 1, committed before
    the caller sends anything. Rows another worker holds are skipped, not waited for.
    They come with their recipient and group; the publication (its version, statement
    and incident) is the caller's to attach: loading it with every row cost more than the
    sending."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Delivery.objects.select_for_update(skip_locked=True).filter(
            status=DeliveryStatus.QUEUED, next_attempt_at__lte=now)
        if publication_id is not None:
            due = due.filter(publication_id=publication_id)
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    return list(Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING,
                                        claimed_at=now)
                .select_related("contact", "user", "endpoint", "group").order_by("pk"))


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_SECONDS * 2 ** max(attempts - 1, 0),
                                 MAX_BACKOFF_SECONDS))


def delivery_record_result(*, delivery: Delivery, error: str = "", transient: bool = False,
                           now: datetime | None = None) -> str:
    """After a send: sent (no ``error``), queued again with a backoff (a transient error
    before the last attempt), or failed. Only the claim that sent may record (the row is
    still ``sending`` with the same attempt count); the new status, or "" when the claim
    was lost (the sweep re-queued it meanwhile)."""
    now = now or timezone.now()
    if not error:
        values = {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": ""}
    elif transient and delivery.attempts < MAX_ATTEMPTS:
        values = {"status": DeliveryStatus.QUEUED, "last_error": error[:2000],
                  "next_attempt_at": now + backoff(delivery.attempts)}
    else:
        values = {"status": DeliveryStatus.FAILED, "failed_at": now,
                  "last_error": error[:2000]}
    changed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING,
                                      attempts=delivery.attempts).update(**values)
    if not changed:
        return ""
    for name, value in values.items():
        setattr(delivery, name, value)
    return values["status"]


def deliveries_record_results(*, results: Iterable[tuple[Delivery, str, bool]],
                               now: datetime | None = None) -> int:
    """``delivery_record_result`` for a batch of (delivery, error, transient): the sent
    ones in one UPDATE per attempt count (most batches: one), the others row by row, each
    under the same guard (still ``sending`` with the attempt count of its claim). The
    number of rows recorded as sent (a row whose claim was lost is not)."""
    now = now or timezone.now()
    sent: dict[int, list[Delivery]] = defaultdict(list)
    for delivery, error, transient in results:
        if error:
            delivery_record_result(delivery=delivery, error=error, transient=transient,
                                   now=now)
        else:
            sent[delivery.attempts].append(delivery)
    recorded = 0
    values = {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": ""}
    for attempts, deliveries in sent.items():
        recorded += Delivery.objects.filter(
            pk__in=[d.pk for d in deliveries], status=DeliveryStatus.SENDING,
            attempts=attempts).update(**values)
    return recorded


def deliveries_requeue_stale(*, now: datetime | None = None,
                             stale_after: timedelta = STALE_AFTER) -> list[int]:
    """Deliveries left in ``sending`` longer than ``stale_after`` (their worker died):
    queued again, or failed when that was their last attempt. The publications touched."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING,
                                    claimed_at__lt=now - stale_after)
    publications = set(stale.values_list("publication_id", flat=True))
    note = _("The sending stopped before it was recorded; sent again.")
    stale.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=DeliveryStatus.QUEUED, next_attempt_at=F("claimed_at"), last_error=note)
    stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED, failed_at=now,
        last_error=_("The sending stopped before it was recorded, at the last attempt."))
    return sorted(publications)


def can_resend_in(user, incident) -> bool:
    """Resending failed deliveries takes the publish right on the incident."""
    return can_publish(user, incident)


def can_resend(user, delivery: Delivery) -> bool:
    return can_resend_in(user, delivery.publication.statement.incident)


def delivery_resend(*, actor, delivery: Delivery) -> Delivery:
    """Send a failed delivery again (a new attempt, written on the timeline); a delivery
    that is not failed (sent, or still on its way) is never sent again by hand (409)."""
    if not can_resend(actor, delivery):
        raise PermissionDenied(_("You may not publish statements in this incident."))
    with transaction.atomic():
        incident = incident_lock(delivery.publication.statement.incident)
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status != DeliveryStatus.FAILED:
            raise ConflictError(_("Only a failed delivery can be sent again."),
                                current=locked.status, allowed=[DeliveryStatus.FAILED])
        locked.status = DeliveryStatus.QUEUED
        locked.next_attempt_at = timezone.now()
        locked.failed_at = None
        locked.save(update_fields=["status", "next_attempt_at", "failed_at"])
        statement = locked.publication.statement
        # Who it was for stays off the timeline (contacts are personal data); the
        # publication's page names them to those who may see contacts.
        timeline_record(
            incident=incident, kind=TimelineKind.STATEMENT, actor=actor,
            data={"action": "delivery_resent", "statement": statement.pk,
                  "title": statement.title, "kind": statement.kind,
                  "version": locked.version_number, "delivery": locked.pk,
                  "channel": locked.channel})
        _tell_progress(locked.publication)
        publication_id = locked.publication_id
        transaction.on_commit(lambda: delivery_tasks.deliveries_send.delay(publication_id))
    return locked
