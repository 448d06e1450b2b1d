"""The stakeholder map of an incident (issue 13): which stakeholder groups it touches, how
urgent each is, who owns it and when its next promised update is due. Reads only; the
writes are in ``comms.stakeholder_map_services``.

A group whose stakeholder kind is among the incident's ``stakeholder_kinds`` is on the map
before anything is stored: ``map_entries`` derives its entry (affected, medium priority,
nobody owns it, every 4 hours, counted from the incident's opening) and reading writes
nothing. The first change writes its ``IncidentStakeholder`` row. Reclassifying the
incident's stakeholder kinds brings their groups onto the map; a stored row stays.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from crisis.models import Incident
from crisis.permissions import MANAGE_STAKEHOLDERS, can_manage_incident, has_right
from crisis.selectors import may_view

from .models import IncidentStakeholder, StakeholderGroup
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
    groups' own order. Two queries, whatever the number of groups."""
    rows = {row.group_id: row for row in IncidentStakeholder.objects
            .filter(incident=incident).select_related("group", "owner")}
    kinds = list(incident.stakeholder_kinds or [])
    derived = StakeholderGroup.objects.filter(kind__in=kinds).exclude(pk__in=list(rows))
    entries = [_entry(row.group, row, incident) for row in rows.values()]
    entries += [_entry(group, None, incident) for group in derived]
    entries.sort(key=lambda e: (not e.affected, PRIORITY_ORDER.get(e.priority, 9),
                                e.group.position, e.group.name))
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
