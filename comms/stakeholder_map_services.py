"""Writes to the stakeholder map: changing a group's entry (affected, priority, owner,
cadence), recording that the group was given an update (by hand, or when a statement for
its stakeholder kind is published) and telling an owner, once, that the promised update
is overdue.

Like ``comms.inquiry_services``, each write checks the right
(``stakeholder_map.can_manage_stakeholders``), locks the incident, then the row, validates
against the locked rows, writes, appends its timeline entry (kind ``statement``: the
communications team's work, filed with statements) and emits ``stakeholders.changed`` in
one transaction. The first write to a group not stored yet creates its row with the
defaults the map showed. Bad input raises a ValidationError naming the field first.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crisis import live
from crisis.choices import IncidentStatus, TimelineKind
from crisis.models import Incident
from crisis.selectors import may_view
from crisis.services import check_not_closed, check_not_merged, incident_lock
from crisis.timeline import timeline_record
from teams.choices import NotificationKind
from teams.models import User
from teams.services import notification_send

from .models import IncidentStakeholder, PublicationTarget, StakeholderGroup, Statement
from .stakeholder_map import can_manage_stakeholders, due_after, prefilled_since
from .stakeholder_map_choices import StakeholderPriority, UpdateCadence
from .stakeholder_map_events import stakeholders_changed

# The fields ``stakeholder_update`` changes, in the order a timeline entry names them.
UPDATABLE = ("affected", "priority", "owner", "cadence_minutes")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()  # "not sent": the field keeps its value (None clears the owner)


# --- checks -------------------------------------------------------------------------------------

def may_not_manage() -> str:
    return _("You may not manage the stakeholders of this incident.")


def _require(user, incident: Incident) -> None:
    if not can_manage_stakeholders(user, incident):
        raise PermissionDenied(may_not_manage())


def _choice(value, field: str, choices) -> object:
    if value not in choices.values:
        raise ValidationError({field: [_("“%(value)s” is not one of: %(allowed)s.")
                                       % {"value": value,
                                          "allowed": ", ".join(map(str, choices.values))}]})
    return value


def check_owner(user: User | None, incident: Incident) -> User | None:
    """Who may own a group on the map: someone who can sign in and view the incident."""
    if user is None:
        return None
    if not isinstance(user, User) or not user.is_active or not may_view(user=user,
                                                                         incident=incident):
        raise ValidationError({"owner": [_("Choose someone who may view this incident.")]})
    return user


# --- recording ----------------------------------------------------------------------------------

def _record(*, incident: Incident, row: IncidentStakeholder, actor, action: str,
            timeline: bool = True, **data) -> None:
    """The timeline entry (unless ``timeline`` is off) and the live event of one write."""
    if timeline:
        timeline_record(incident=incident, kind=TimelineKind.STATEMENT, actor=actor,
                        data={"action": action, "stakeholder_group": row.group_id,
                              "group": row.group.name, **data})
    live.emit(incident=incident, event=stakeholders_changed(row, action=action))


def _locked_row(incident: Incident, group: StakeholderGroup) -> IncidentStakeholder:
    """The group's row on the locked incident, locked; written with the defaults the map
    showed when none is stored yet (the incident's lock keeps two first writes apart)."""
    row = (IncidentStakeholder.objects.select_for_update(of=("self",))
           .select_related("group", "owner").filter(incident=incident, group=group).first())
    if row is not None:
        return row
    now = timezone.now()
    since = prefilled_since(incident) if group.kind in (incident.stakeholder_kinds or []) else now
    row = IncidentStakeholder(incident=incident, group=group, added_at=since, updated_at=now)
    row.next_update_due = due_after(since, row.cadence_minutes)
    row.save(force_insert=True)
    return row


def _reschedule(row: IncidentStakeholder) -> None:
    row.next_update_due = due_after(row.last_update_at or row.added_at, row.cadence_minutes)


# --- services -----------------------------------------------------------------------------------

def stakeholder_update(
    *, actor, incident: Incident, group: StakeholderGroup, affected=UNSET, priority=UNSET,
    owner=UNSET, cadence_minutes=UNSET,
) -> IncidentStakeholder:
    """Change a group's entry on the incident's map (``UNSET`` keeps a field; ``owner``
    None leaves it without an owner). Sending nothing new writes nothing (but the row of a
    group not stored yet)."""
    _require(actor, incident)
    cleaned: dict = {}
    if affected is not UNSET:
        if not isinstance(affected, bool):
            raise ValidationError({"affected": [_("Expected true or false.")]})
        cleaned["affected"] = affected
    if priority is not UNSET:
        cleaned["priority"] = _choice(priority, "priority", StakeholderPriority)
    if cadence_minutes is not UNSET:
        cleaned["cadence_minutes"] = _choice(cadence_minutes, "cadence_minutes", UpdateCadence)
    with transaction.atomic():
        incident = incident_lock(incident)
        check_not_merged(incident)
        check_not_closed(incident)
        if owner is not UNSET:
            cleaned["owner"] = check_owner(owner, incident)
        row = _locked_row(incident, group)
        was = {name: getattr(row, name) for name in cleaned}
        changed = [name for name in UPDATABLE if name in cleaned and cleaned[name] != was[name]]
        if not changed:
            return row
        for name in changed:
            setattr(row, name, cleaned[name])
        _reschedule(row)
        row.updated_at = timezone.now()
        if row.overdue_notified_at is not None and not row.is_overdue:
            row.overdue_notified_at = None  # a new promise: its owner is told again when due
        row.save(update_fields=[*changed, "next_update_due", "overdue_notified_at",
                                "updated_at"])
        data: dict = {"fields": changed}
        if "affected" in changed:
            data["affected"] = row.affected
        if "priority" in changed:
            data["priority"] = row.priority
        if "owner" in changed:
            data["owner"] = str(row.owner) if row.owner else None
        if "cadence_minutes" in changed:
            data["cadence"] = row.cadence_minutes
        _record(incident=incident, row=row, actor=actor, action="stakeholder_updated", **data)
    return row


def stakeholder_update_given(*, actor, incident: Incident,
                             group: StakeholderGroup) -> IncidentStakeholder:
    """The group was given an update now: the next one is due a cadence from now, and its
    owner will be told again when that one is overdue."""
    _require(actor, incident)
    with transaction.atomic():
        incident = incident_lock(incident)
        check_not_merged(incident)
        check_not_closed(incident)
        row = _locked_row(incident, group)
        _mark_updated(row)
        _record(incident=incident, row=row, actor=actor, action="stakeholder_update_given")
    return row


def _mark_updated(row: IncidentStakeholder) -> None:
    now = timezone.now()
    row.last_update_at = now
    row.overdue_notified_at = None
    _reschedule(row)
    row.updated_at = now
    row.save(update_fields=["last_update_at", "overdue_notified_at", "next_update_due",
                            "updated_at"])


def statement_published_updates(*, statement: Statement, publication=None) -> int:
    """A published statement is an update to each group of its audience's stakeholder kinds
    on the incident's map (stored, or of the incident's kinds), and to each group it was
    sent to (``publication.target``, written by the delivery receiver, connected before
    this one). Runs inside the publishing transaction, which holds the incident's lock; the
    publication is on the timeline already, so only the live event is added. Returns how
    many groups were updated."""
    incident = statement.incident
    audience = set(statement.audience or [])
    sent_to: set[int] = set()
    target = PublicationTarget.objects.filter(publication=publication).first() \
        if publication is not None else None
    if target is not None:
        sent_to = set(target.groups.values_list("pk", flat=True))
    if not audience and not sent_to:
        return 0
    stored = set(IncidentStakeholder.objects.filter(incident=incident,
                                                    group__kind__in=audience)
                 .values_list("group_id", flat=True))
    on_map = audience & set(incident.stakeholder_kinds or [])
    groups = StakeholderGroup.objects.filter(Q(kind__in=audience) | Q(pk__in=sent_to)
                                             ).order_by("pk")
    count = 0
    for group in groups:
        if group.pk not in sent_to and group.pk not in stored and group.kind not in on_map:
            continue
        row = _locked_row(incident, group)
        _mark_updated(row)
        _record(incident=incident, row=row, actor=None, action="stakeholder_update_given",
                timeline=False)
        count += 1
    return count


def stakeholder_mark_overdue(*, row: IncidentStakeholder) -> bool:
    """Tell the owner, once, that the group's promised update is overdue; False when told
    already, updated meanwhile, unaffected, without an owner or the incident closed. The
    mark is set under the row's lock in the transaction that stores the notice."""
    with transaction.atomic():
        incident = incident_lock(row.incident)
        row = (IncidentStakeholder.objects.select_for_update(of=("self",))
               .select_related("group", "owner").get(pk=row.pk))
        now = timezone.now()
        if (row.overdue_notified_at is not None or not row.affected or row.owner is None
                or row.next_update_due >= now or incident.status == IncidentStatus.CLOSED
                or incident.merged_into_id):
            return False
        row.overdue_notified_at = now
        row.save(update_fields=["overdue_notified_at"])
        _record(incident=incident, row=row, actor=None, action="stakeholder_overdue",
                owner=str(row.owner))
        group = row.group

        def title() -> str:  # in the owner's language
            return _("Overdue: %(ref)s: the update promised to %(group)s was due %(due)s") % {
                "ref": incident.reference, "group": str(group),
                "due": timezone.localtime(row.next_update_due).strftime("%Y-%m-%d %H:%M %Z")}

        notification_send(recipients=[row.owner], kind=NotificationKind.STAKEHOLDER_UPDATE_DUE,
                          title=title,
                          dedupe_key=(f"stakeholder_overdue:{row.pk}:"
                                     f"{int(row.next_update_due.timestamp())}"),
                          actor=None, incident=incident)
    return True
