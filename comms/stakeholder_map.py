"""The stakeholder map of an incident (issue 13): which stakeholder groups it touches, how
urgent each is, who owns it and when its next promised update is due. Reads only; the
writes are in ``comms.stakeholder_map_services``.

A group whose stakeholder kind is among the incident's ``stakeholder_kinds`` is on the map
before anything is stored: ``map_entries`` derives its entry (affected, medium priority,
nobody owns it, every 4 hours, counted from the incident's opening) and reading writes
nothing. The first change writes its ``IncidentStakeholder`` row. Reclassifying the
incident's stakeholder kinds brings their groups onto the map; a stored row stays.

Each entry also says what the group last received (``last_received``): the latest of the
incident's publications with deliveries to it, its statement version, when it went out, the
delivery rate (sent or acknowledged of all its deliveries to the group) and, where the group
requires acknowledgement, the acknowledgement rate (of the deliveries to contacts).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from crisis.models import Incident
from crisis.permissions import MANAGE_STAKEHOLDERS, can_manage_incident, has_right
from crisis.selectors import may_view

from .delivery_choices import DeliveryStatus
from .models import Delivery, IncidentStakeholder, StakeholderGroup
from .stakeholder_map_choices import (
    DEFAULT_CADENCE,
    DEFAULT_PRIORITY,
    StakeholderPriority,
    UpdateCadence,
)

PRIORITY_ORDER = {StakeholderPriority.HIGH: 0, StakeholderPriority.MEDIUM: 1,
                  StakeholderPriority.LOW: 2}


# --- rights -------------------------------------------------------------------------------------

def can_manage_stakeholders(user, incident: Incident) -> bool:
    """Edit the map and record updates given: the incident's stakeholder right, or managing
    the incident."""
    return may_view(user=user, incident=incident) and (
        has_right(user, incident, MANAGE_STAKEHOLDERS) or can_manage_incident(user, incident))


# --- reads --------------------------------------------------------------------------------------

def due_after(base: datetime, cadence_minutes: int) -> datetime:
    return base + timedelta(minutes=cadence_minutes)


def prefilled_since(incident: Incident) -> datetime:
    """When a pre-filled group's promise starts: the incident's opening."""
    return incident.created_at


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Received:
    """The latest publication sent to a group (deliveries were written for it): which
    statement version, when its deliveries went out, and how far they got."""

    publication_id: int
    statement_id: int
    title: str
    version: int
    published_at: datetime
    received_at: datetime | None  # the latest delivery sent; None while none is
    total: int = 0  # its deliveries to the group
    delivered: int = 0  # sent or acknowledged
    acknowledged: int = 0
    to_acknowledge: int = 0  # deliveries to contacts (who get a link), where required
    acknowledgement_required: bool = False

    @property
    def delivery_rate(self) -> float | None:
        return _rate(self.delivered, self.total)

    @property
    def acknowledgement_rate(self) -> float | None:
        if not self.acknowledgement_required:
            return None
        return _rate(self.acknowledged, self.to_acknowledge)

    @property
    def delivery_percent(self) -> int | None:
        rate = self.delivery_rate
        return None if rate is None else round(rate * 100)

    @property
    def acknowledgement_percent(self) -> int | None:
        rate = self.acknowledgement_rate
        return None if rate is None else round(rate * 100)


def last_received(*, incident: Incident, groups: list[StakeholderGroup]) -> dict[int, Received]:
    """For each group, the latest of the incident's publications sent to it; one query,
    whatever the number of groups and publications."""
    by_id = {group.pk: group for group in groups}
    found = (Delivery.objects.filter(publication__statement__incident=incident,
                                     group_id__in=list(by_id))
             .values("group_id", "publication_id", "publication__statement_id",
                     "publication__statement__title", "publication__published_at",
                     "version_number", "status")
             .annotate(n=Count("pk"), contacts=Count("pk", filter=Q(contact__isnull=False)),
                       last_sent=Max("sent_at"),
                       last_acknowledged=Max("acknowledgement__acknowledged_at"))
             .order_by())
    latest: dict[int, tuple] = {}
    for item in found:
        order = (item["publication__published_at"], item["publication_id"])
        if item["group_id"] not in latest or order > latest[item["group_id"]]:
            latest[item["group_id"]] = order
    received: dict[int, Received] = {}
    for item in found:
        group_id = item["group_id"]
        if latest[group_id][1] != item["publication_id"]:
            continue
        entry = received.get(group_id)
        if entry is None:
            entry = received[group_id] = Received(
                publication_id=item["publication_id"],
                statement_id=item["publication__statement_id"],
                title=item["publication__statement__title"], version=item["version_number"],
                published_at=item["publication__published_at"], received_at=None,
                acknowledgement_required=by_id[group_id].acknowledgement_required)
        entry.total += item["n"]
        entry.to_acknowledge += item["contacts"]
        if item["status"] in (DeliveryStatus.SENT, DeliveryStatus.ACKNOWLEDGED):
            entry.delivered += item["n"]
        if item["status"] == DeliveryStatus.ACKNOWLEDGED:
            entry.acknowledged += item["n"]
        # An acknowledgement proves receipt, also of one recorded as failed (not sent).
        for when in (item["last_sent"], item["last_acknowledged"]):
            if when and (entry.received_at is None or when > entry.received_at):
                entry.received_at = when
    return received


@dataclass
class MapEntry:
    """One group on the map: its stored row's values, or the defaults when none is stored."""

    group: StakeholderGroup
    row: IncidentStakeholder | None
    affected: bool
    priority: str
    owner: object  # a User or None
    cadence_minutes: int
    last_update_at: datetime | None
    next_update_due: datetime
    received: Received | None = None  # the latest publication sent to the group

    @property
    def is_overdue(self) -> bool:
        return self.affected and self.next_update_due < timezone.now()

    @property
    def is_stored(self) -> bool:
        return self.row is not None

    def get_priority_display(self) -> str:
        return str(StakeholderPriority(self.priority).label)

    def get_cadence_display(self) -> str:
        try:
            return str(UpdateCadence(self.cadence_minutes).label)
        except ValueError:
            return str(self.cadence_minutes)


def _entry(group: StakeholderGroup, row: IncidentStakeholder | None,
           incident: Incident) -> MapEntry:
    if row is not None:
        return MapEntry(group=group, row=row, affected=row.affected, priority=row.priority,
                        owner=row.owner, cadence_minutes=row.cadence_minutes,
                        last_update_at=row.last_update_at, next_update_due=row.next_update_due)
    return MapEntry(group=group, row=None, affected=True, priority=DEFAULT_PRIORITY,
                    owner=None, cadence_minutes=DEFAULT_CADENCE, last_update_at=None,
                    next_update_due=due_after(prefilled_since(incident), DEFAULT_CADENCE))


def map_entries(*, incident: Incident) -> list[MapEntry]:
    """The incident's map (the caller may view it): the stored rows and the groups of its
    stakeholder kinds not stored yet; affected ones first, then by priority, then the
    groups' own order, each with what it last received. Three queries, whatever the number
    of groups and publications."""
    rows = {row.group_id: row for row in IncidentStakeholder.objects
            .filter(incident=incident).select_related("group", "owner")}
    kinds = list(incident.stakeholder_kinds or [])
    derived = StakeholderGroup.objects.filter(kind__in=kinds).exclude(pk__in=list(rows))
    entries = [_entry(row.group, row, incident) for row in rows.values()]
    entries += [_entry(group, None, incident) for group in derived]
    entries.sort(key=lambda e: (not e.affected, PRIORITY_ORDER.get(e.priority, 9),
                                e.group.position, e.group.name))
    received = last_received(incident=incident, groups=[e.group for e in entries])
    for entry in entries:
        entry.received = received.get(entry.group.pk)
    return entries


def map_entry(*, incident: Incident, group_id) -> MapEntry | None:
    """One group's entry on the map, stored or derived; None when the group is not on it
    (no such group, or neither stored nor of the incident's stakeholder kinds)."""
    try:
        group_id = int(group_id)
    except (TypeError, ValueError):
        return None
    for entry in map_entries(incident=incident):
        if entry.group.pk == group_id:
            return entry
    return None
