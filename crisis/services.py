"""Writes to the incident core. Views, API, consumers and tasks all come through here.

Every state change: (1) checks permission, (2) validates against the locked row,
(3) writes inside a transaction, (4) appends its timeline entry, and (5) on commit
broadcasts a live event and enqueues side effects.
"""

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import ConflictError
from core.text import clean_text, join_list

from . import events, hooks, live
from .choices import (
    AUTHORED_KINDS,
    STATUS_TIMESTAMPS,
    TRANSITIONS,
    UNFINISHED_TASK_STATUSES,
    Confidentiality,
    IncidentStatus,
    Origin,
    Severity,
    StakeholderKind,
    TaskStatus,
    TimelineKind,
    WarningLevel,
    is_step_back,
)
from .models import (
    ChecklistItem,
    Incident,
    IncidentType,
    Task,
    TaskComment,
    TaskTemplate,
    TimelineEntry,
)
from .permissions import (
    can_contribute,
    can_create_incident,
    can_manage_incident,
    can_work_on_task,
)
from .selectors import may_view
from .timeline import timeline_record

MAX_LIST_ITEMS = 30
MAX_LIST_ITEM_LENGTH = 80
MAX_TEXT_LENGTH = 10_000
CLASSIFICATION_FIELDS = ("title", "summary", "type", "origin", "confidentiality",
                         "stakeholder_kinds", "affected_products", "affected_regions", "tags",
                         "is_drill")


# --- helpers -------------------------------------------------------------------------------

def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _text(text: str | None, field: str) -> str:
    """What a person wrote, without invisible characters at its ends (``core.text``), at
    most ``MAX_TEXT_LENGTH`` characters; may be empty."""
    text = clean_text(text or "")
    if len(text) > MAX_TEXT_LENGTH:
        raise ValidationError({field: [_("Keep it under %(n)d characters.")
                                       % {"n": MAX_TEXT_LENGTH}]})
    return text


def _require_text(text: str, field: str, missing: str) -> str:
    """``_text``, and required (``missing`` says so): text made only of spaces or
    invisible characters is no text."""
    text = _text(text, field)
    if not text:
        raise ValidationError({field: [missing]})
    return text


def _require_reason(reason: str, field: str = "reason") -> str:
    return _require_text(reason, field, _("Give a reason: it goes into the timeline."))


def _clean_list(values: Iterable[str] | None, field: str, choices=None) -> list[str]:
    """Trimmed, de-duplicated strings, each short and (with ``choices``) a known value."""
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError({field: [_("Expected a list of values.")]})
    cleaned: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise ValidationError({field: [_("Every value must be text.")]})
        value = value.strip()
        if not value or value in cleaned:
            continue
        if len(value) > MAX_LIST_ITEM_LENGTH:
            raise ValidationError({field: [_("“%(value)s…” is longer than %(n)d characters.")
                                           % {"value": value[:20], "n": MAX_LIST_ITEM_LENGTH}]})
        if choices is not None and value not in choices.values:
            raise ValidationError({field: [_("“%(value)s” is not one of: %(allowed)s.")
                                           % {"value": value,
                                              "allowed": ", ".join(choices.values)}]})
        cleaned.append(value)
    if len(cleaned) > MAX_LIST_ITEMS:
        raise ValidationError({field: [_("At most %(n)d values.") % {"n": MAX_LIST_ITEMS}]})
    return cleaned


def _choice(value: str, choices, field: str):
    try:
        return choices(value)
    except ValueError:
        raise ValidationError({field: [_("“%(value)s” is not one of: %(allowed)s.")
                                       % {"value": value,
                                          "allowed": ", ".join(choices.values)}]}) from None


def incident_lock(incident: Incident) -> Incident:
    """The incident's row, fresh and locked until the transaction ends: every app's writes
    to one incident take this lock first (it also keeps the live ``seq`` gapless)."""
    return Incident.objects.select_for_update().select_related("type").get(pk=incident.pk)


def check_not_merged(incident: Incident) -> None:
    """Refuse (409) work on a duplicate that was merged into another incident."""
    if incident.merged_into_id:
        raise ConflictError(_("%(ref)s was merged into another incident; work there.")
                            % {"ref": incident.reference}, current=incident.status)


def check_not_closed(incident: Incident) -> None:
    """Refuse (409) work in a closed incident (merged duplicates are closed too)."""
    if incident.status == IncidentStatus.CLOSED:
        raise ConflictError(_("%(ref)s is closed; reopen it first.")
                            % {"ref": incident.reference}, current=incident.status)


def _incident_changed(incident: Incident) -> None:
    live.emit(incident=incident, event=events.incident_updated(incident))


def effective_warning_level(*, auto: str, manual: str, overridden: bool) -> str:
    """The higher of the automatic and manual levels, unless the manual one overrides."""
    if overridden:
        return manual
    levels = [WarningLevel(level) for level in (auto, manual) if level]
    return max(levels, key=lambda level: level.rank).value if levels else ""


# --- incidents -----------------------------------------------------------------------------

def incident_create(
    *, actor, title: str, type: IncidentType | None, summary: str = "",
    severity: str = Severity.MEDIUM, origin: str = Origin.EXTERNAL,
    confidentiality: str = Confidentiality.INTERNAL, warning_level: str = "",
    stakeholder_kinds: Iterable[str] = (), affected_products: Iterable[str] = (),
    affected_regions: Iterable[str] = (), tags: Iterable[str] = (), is_drill: bool = False,
    detected_at: datetime | None = None,
) -> Incident:
    """Open an incident in triage with its playbook's tasks; tell lists and the core team."""
    _require(can_create_incident(actor), _("You may not open incidents."))
    now = timezone.now()
    if detected_at is not None and detected_at > now + timedelta(minutes=5):
        raise ValidationError({"detected_at": [_("Detection cannot be in the future.")]})
    if type is None:
        raise ValidationError({"type": [_("Choose the type of incident.")]})
    incident = Incident(
        title=_text(title, "title"), summary=_text(summary, "summary"), severity=severity,
        type=type, origin=origin,
        confidentiality=confidentiality, is_drill=is_drill,
        warning_level=warning_level, warning_level_manual=warning_level,
        stakeholder_kinds=_clean_list(stakeholder_kinds, "stakeholder_kinds", StakeholderKind),
        affected_products=_clean_list(affected_products, "affected_products"),
        affected_regions=_clean_list(affected_regions, "affected_regions"),
        tags=_clean_list(tags, "tags"), detected_at=detected_at or now, created_by=actor,
        created_at=now,
    )
    incident.full_clean()
    with transaction.atomic():
        incident.save()
        opened = {"severity": incident.severity, "type": incident.type.name}
        if incident.warning_level:
            opened["warning_level"] = incident.warning_level
        timeline_record(incident=incident, kind=TimelineKind.CREATED, actor=actor, data=opened)
        playbook_apply(incident=incident, actor=actor)
        hooks.incident_opened.send(sender=Incident, incident=incident, actor=actor)
        live.emit(incident=incident, event=events.incident_created(incident))
    return incident


def check_transition(*, incident: Incident, to_status: IncidentStatus) -> None:
    """Refuse (409, saying why) a move the incident cannot make from where it is: a merged
    duplicate, a step the lifecycle does not allow, closing with unfinished tasks. The
    service asks it on the locked row; the confirmation page asks it before offering the
    move."""
    current = IncidentStatus(incident.status)
    check_not_merged(incident)
    allowed = TRANSITIONS[current]
    if to_status not in allowed:
        raise ConflictError(
            _("%(ref)s is %(current)s; it can move to %(allowed)s, not to %(target)s.")
            % {"ref": incident.reference, "current": current.label,
               "allowed": join_list(s.label for s in allowed) or _("nowhere (reopen it)"),
               "target": to_status.label},
            current=current.value, allowed=[s.value for s in allowed],
        )
    if to_status is IncidentStatus.CLOSED:
        unfinished = incident.tasks.filter(status__in=UNFINISHED_TASK_STATUSES).count()
        if unfinished:
            raise ConflictError(
                _("%(n)d checklist task(s) are still open: finish them, or waive them "
                  "with a reason, before closing.") % {"n": unfinished},
                current=current.value, allowed=[s.value for s in allowed],
                open_tasks=unfinished,
            )


def incident_transition(*, actor, incident: Incident, to_status: str, reason: str = "") -> Incident:
    """Move along the lifecycle (triage → active → contained → recovering → closed)."""
    _require(can_manage_incident(actor, incident), _("You may not change this incident."))
    target = _choice(to_status, IncidentStatus, "to_status")
    reason = _text(reason, "reason")
    with transaction.atomic():
        incident = incident_lock(incident)
        current = IncidentStatus(incident.status)
        check_transition(incident=incident, to_status=target)
        if is_step_back(current, target):
            reason = _require_reason(reason)
        now = timezone.now()
        incident.status = target
        fields = ["status", "updated_at"]
        stamp = STATUS_TIMESTAMPS.get(target)
        if stamp and getattr(incident, stamp) is None:
            setattr(incident, stamp, now)
            fields.append(stamp)
        incident.save(update_fields=fields)
        timeline_record(incident=incident, kind=TimelineKind.STATUS, actor=actor, body=reason,
                        data={"from": current.value, "to": target.value})
        _incident_changed(incident)
        hooks.incident_transitioned.send(sender=Incident, incident=incident, actor=actor,
                                         from_status=current.value, to_status=target.value)
    return incident


def incident_reopen(*, actor, incident: Incident, reason: str) -> Incident:
    _require(can_manage_incident(actor, incident), _("You may not change this incident."))
    reason = _require_reason(reason)
    with transaction.atomic():
        incident = incident_lock(incident)
        if incident.status != IncidentStatus.CLOSED or incident.merged_into_id:
            raise ConflictError(
                _("Only a closed incident that was not merged can be reopened; %(ref)s is "
                  "%(current)s.") % {"ref": incident.reference,
                                     "current": incident.get_status_display()},
                current=incident.status, allowed=[],
            )
        incident.status = IncidentStatus.ACTIVE
        incident.closed_at = None
        incident.save(update_fields=["status", "closed_at", "updated_at"])
        timeline_record(incident=incident, kind=TimelineKind.STATUS, actor=actor, body=reason,
                        data={"from": IncidentStatus.CLOSED, "to": IncidentStatus.ACTIVE,
                              "reopened": True})
        _incident_changed(incident)
    return incident


def check_merge(*, duplicate: Incident, survivor: Incident) -> None:
    """Refuse a merge that would hide or expose what it moves: into itself, into a less
    confidential incident (its notes and tasks would reach people who may not read them;
    raise the survivor's confidentiality first, or merge the other way) or between a drill
    and a real incident (400 naming ``into``); of a closed or merged incident (409). The
    service asks it on the locked rows; the merge page asks it before confirming."""
    if duplicate.pk == survivor.pk:
        raise ValidationError({"into": [_("An incident cannot be merged into itself.")]})
    for incident in (duplicate, survivor):
        if incident.status == IncidentStatus.CLOSED or incident.merged_into_id:
            raise ConflictError(_("%(ref)s is closed; only open incidents can be merged.")
                                % {"ref": incident.reference}, current=incident.status,
                                allowed=[])
    if duplicate.is_drill != survivor.is_drill:
        drill, real = (duplicate, survivor) if duplicate.is_drill else (survivor, duplicate)
        raise ValidationError({"into": [
            _("%(drill)s is a drill and %(real)s a real incident: a drill and a real incident "
              "are never merged.") % {"drill": drill.reference, "real": real.reference}]})
    secret = Confidentiality(duplicate.confidentiality)
    into = Confidentiality(survivor.confidentiality)
    if into.rank < secret.rank:
        raise ValidationError({"into": [
            _("%(ref)s is %(level)s and %(into)s only %(into_level)s: merging would show its "
              "notes and tasks to people who may not read them. Raise the confidentiality of "
              "%(into)s first, or merge it the other way.")
            % {"ref": duplicate.reference, "level": secret.label, "into": survivor.reference,
               "into_level": into.label}]})


def incident_merge(*, actor, duplicate: Incident, survivor: Incident, reason: str) -> Incident:
    """Close ``duplicate`` into ``survivor`` (``check_merge``), moving its timeline and
    tasks over; a playbook task the survivor already has stays with the duplicate."""
    _require(can_manage_incident(actor, duplicate) and can_manage_incident(actor, survivor),
             _("You may not change these incidents."))
    reason = _require_reason(reason)
    if duplicate.pk == survivor.pk:
        raise ValidationError({"into": [_("An incident cannot be merged into itself.")]})
    with transaction.atomic():
        locked = {i.pk: i for i in Incident.objects.select_for_update()
                  .filter(pk__in=[duplicate.pk, survivor.pk]).order_by("pk")}
        duplicate, survivor = locked[duplicate.pk], locked[survivor.pk]
        check_merge(duplicate=duplicate, survivor=survivor)
        survivor_templates = survivor.tasks.exclude(template=None).values("template")
        moving = list(duplicate.tasks.exclude(template__in=survivor_templates)
                      .values_list("pk", flat=True))
        kept = duplicate.tasks.count() - len(moving)
        moved_tasks = Task.objects.filter(pk__in=moving).update(incident=survivor)
        # Each moved entry remembers the incident it was first written in ("from INC-…").
        moved_entries = duplicate.timeline.update(
            incident=survivor, merged_from=Coalesce("merged_from", Value(duplicate.pk)))
        now = timezone.now()
        duplicate.status, duplicate.closed_at, duplicate.merged_into = (
            IncidentStatus.CLOSED, now, survivor)
        duplicate.save(update_fields=["status", "closed_at", "merged_into", "updated_at"])
        timeline_record(incident=duplicate, kind=TimelineKind.MERGE, actor=actor, body=reason,
                        data={"into": survivor.pk, "into_reference": survivor.reference,
                              "kept": kept})
        timeline_record(incident=survivor, kind=TimelineKind.MERGE, actor=actor, body=reason,
                        data={"from": duplicate.pk, "from_reference": duplicate.reference,
                              "tasks": moved_tasks, "entries": moved_entries, "kept": kept})
        hooks.incident_merged.send(sender=Incident, duplicate=duplicate, survivor=survivor,
                                   actor=actor, moved_tasks=moving)
        _incident_changed(duplicate)
        _incident_changed(survivor)
    return survivor


def incident_escalate(
    *, actor, incident: Incident, reason: str, severity: str | None = None,
    warning_level: str | None = None, override: bool = False,
) -> Incident:
    """Raise or lower severity and/or the manual warning level, always with a reason."""
    _require(can_manage_incident(actor, incident), _("You may not change this incident."))
    reason = _require_reason(reason)
    new_severity = _choice(severity, Severity, "severity") if severity else None
    new_manual = _choice(warning_level, WarningLevel, "warning_level").value \
        if warning_level else None
    if new_severity is None and new_manual is None:
        raise ValidationError({"severity": [_("Choose a new severity or warning level.")]})
    if override and new_manual is None:
        raise ValidationError({"override": [_("Overriding needs the warning level to set.")]})
    with transaction.atomic():
        incident = incident_lock(incident)
        check_not_closed(incident)
        changes = {}
        if new_severity is not None and new_severity != incident.severity:
            changes["severity"] = [incident.severity, new_severity.value]
            incident.severity = new_severity
        if new_manual is not None:
            incident.warning_level_manual = new_manual
            incident.warning_level_overridden = bool(override)
            level = effective_warning_level(auto=incident.warning_level_auto, manual=new_manual,
                                            overridden=bool(override))
            if level != incident.warning_level:
                changes["warning_level"] = [incident.warning_level, level]
                incident.warning_level = level
        if not changes:
            raise ValidationError({"severity": [_("That is already the incident's severity "
                                                  "and warning level.")]})
        incident.save(update_fields=["severity", "warning_level", "warning_level_manual",
                                     "warning_level_overridden", "updated_at"])
        up = _went_up(changes)
        entry = timeline_record(incident=incident, kind=TimelineKind.ESCALATION, actor=actor,
                                body=reason, data={**changes, "direction": "up" if up else "down",
                                                   "override": bool(override)})
        if "severity" in changes:
            playbook_apply(incident=incident, actor=actor)
        hooks.incident_escalated.send(sender=Incident, incident=incident, actor=actor,
                                      entry=entry, changes=changes, went_up=up)
        _incident_changed(incident)
    return incident


def incident_set_auto_warning_level(*, incident: Incident, level: str, reason: str,
                                    actor=None) -> Incident:
    """Set the warning level that follows the incident's alerts (the early warning calls it
    when an alert is escalated into or attached to the incident, and when such an alert
    rises). The effective level is the higher of it and the manual one unless the lead
    overrides (``effective_warning_level``). ``actor`` is whoever caused it (``None``: the
    detection itself). A change of the effective level is an escalation on the timeline
    (``auto``: true) and tells whoever an escalation tells; a closed incident is left as
    it is. No permission check: the caller checked its own action."""
    new_auto = _choice(level, WarningLevel, "warning_level").value if level else ""
    with transaction.atomic():
        incident = incident_lock(incident)
        if incident.status == IncidentStatus.CLOSED or incident.warning_level_auto == new_auto:
            return incident
        incident.warning_level_auto = new_auto
        effective = effective_warning_level(auto=new_auto,
                                            manual=incident.warning_level_manual,
                                            overridden=incident.warning_level_overridden)
        fields = ["warning_level_auto", "updated_at"]
        changes = {}
        if effective != incident.warning_level:
            changes["warning_level"] = [incident.warning_level, effective]
            incident.warning_level = effective
            fields.append("warning_level")
        incident.save(update_fields=fields)
        if changes:
            up = _went_up(changes)
            entry = timeline_record(incident=incident, kind=TimelineKind.ESCALATION, actor=actor,
                                    body=_text(reason, "reason"),
                                    data={**changes, "direction": "up" if up else "down",
                                          "override": False, "auto": True})
            hooks.incident_escalated.send(sender=Incident, incident=incident, actor=actor,
                                          entry=entry, changes=changes, went_up=up)
            _incident_changed(incident)
    return incident


def _went_up(changes: dict) -> bool:
    def rank(choices, value):
        return choices(value).rank if value else 0

    ups = []
    if "severity" in changes:
        old, new = changes["severity"]
        ups.append(rank(Severity, new) > rank(Severity, old))
    if "warning_level" in changes:
        old, new = changes["warning_level"]
        ups.append(rank(WarningLevel, new) > rank(WarningLevel, old))
    return any(ups)


def incident_classify(*, actor, incident: Incident, **changes) -> Incident:
    """Change what the incident is (type, origin, audiences, tags, drill...), not how bad."""
    _require(can_manage_incident(actor, incident), _("You may not change this incident."))
    unknown = set(changes) - set(CLASSIFICATION_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed here.")]
                               for field in sorted(unknown)})
    for field, choices in (("stakeholder_kinds", StakeholderKind), ("affected_products", None),
                           ("affected_regions", None), ("tags", None)):
        if field in changes:
            changes[field] = _clean_list(changes[field], field, choices)
    for field in ("title", "summary"):
        if field in changes:
            changes[field] = _text(changes[field], field)
    with transaction.atomic():
        incident = incident_lock(incident)
        check_not_merged(incident)
        diff = {}
        for field, value in changes.items():
            old = getattr(incident, field)
            if old != value:
                diff[field] = [str(old) if field == "type" else old,
                               str(value) if field == "type" else value]
                setattr(incident, field, value)
        if not diff:
            return incident
        incident.full_clean()
        incident.save(update_fields=[*diff, "updated_at"])
        # Announced before its record: a socket whose access a higher confidentiality ends
        # closes on incident.updated, before any frame about what follows.
        _incident_changed(incident)
        timeline_record(incident=incident, kind=TimelineKind.CLASSIFICATION, actor=actor, data=diff)
        if "type" in diff:
            playbook_apply(incident=incident, actor=actor)
        hooks.incident_reclassified.send(sender=Incident, incident=incident, actor=actor,
                                         changes=diff)
    return incident


# --- timeline ------------------------------------------------------------------------------

def correction_kind(entry: TimelineEntry) -> TimelineKind:
    """What a correction of ``entry`` is recorded as when nobody says: the corrected
    entry's own authored kind (a correction's, the kind it corrected as), else a note."""
    kind = entry.data.get("as") if entry.kind == TimelineKind.CORRECTION else entry.kind
    return TimelineKind(kind) if kind in AUTHORED_KINDS else TimelineKind.NOTE


def timeline_entry_add(*, actor, incident: Incident, body: str, kind: str | None = None,
                       corrects: TimelineEntry | None = None) -> TimelineEntry:
    """A person's note, decision or key moment; or a correction of an earlier entry,
    recorded as ``kind`` (by default as the corrected entry's kind: ``correction_kind``)."""
    _require(can_contribute(actor, incident), _("You may not write in this incident."))
    if kind is None and corrects is not None:
        kind = correction_kind(corrects)
    if not kind:
        raise ValidationError({"kind": [_("This field is required.")]})
    kind = _choice(kind, TimelineKind, "kind")
    if kind not in AUTHORED_KINDS:
        raise ValidationError({"kind": [_("Write a note, a decision or a key moment.")]})
    body = _require_text(body, "body", _("This field is required."))
    if corrects is not None and corrects.incident_id != incident.pk:
        raise ValidationError({"corrects": [_("Corrections refer to an entry of the same "
                                              "incident.")]})
    check_not_merged(incident)
    with transaction.atomic():
        entry = timeline_record(
            incident=incident, kind=TimelineKind.CORRECTION if corrects else kind,
            actor=actor, body=body, corrects=corrects,
            data={"as": kind.value} if corrects else {})
        _tell_mentioned(entry, incident=incident, actor=actor, key=f"mention:{entry.pk}",
                        already=corrects.body if corrects else "")
    return entry


MENTION = re.compile(r"(?<![\w.+@-])@([\w.@+-]{1,150})")


def mentioned_usernames(text: str) -> set[str]:
    """``@sofia`` and ``@j.doe`` in a note (a trailing full stop ends the sentence)."""
    names = set()
    for match in MENTION.finditer(text or ""):
        name = match.group(1)
        names.update({name, name.rstrip(".-")})
    return {name for name in names if name}


def mentions_in(text: str) -> tuple[set[str], list[str]]:
    """(usernames of the active people ``text`` names with ``@``, the names it uses that are
    nobody's, as written and in order): what the page highlights and what the writer is
    told was not recognised. ``@bob.`` names bob when there is no ``bob.``."""
    written = [match.group(1) for match in MENTION.finditer(text or "")]
    if not written:
        return set(), []
    active = set(get_user_model().objects.filter(
        is_active=True, username__in=mentioned_usernames(text)).values_list("username",
                                                                             flat=True))
    unknown: list[str] = []
    for name in written:
        if name not in active and name.rstrip(".-") not in active:
            name = name.rstrip(".-") or name
            if name not in unknown:
                unknown.append(name)
    return active, unknown


def _tell_mentioned(written, *, incident: Incident, actor, key: str,
                    already: str = "") -> None:
    """Tell higher layers who a timeline entry or task comment (``written``) names with
    ``@username`` (once per ``key``; a correction names only those the corrected entry did
    not already name), and note on it the names nobody has (``written.unknown_mentions``)
    for the writer."""
    known, written.unknown_mentions = mentions_in(written.body)
    names = known - mentioned_usernames(already)
    if names:
        hooks.people_mentioned.send(sender=type(written), incident=incident, actor=actor,
                                    text=written.body, usernames=names, key=key)


def timeline_entry_pin(*, actor, entry: TimelineEntry, pinned: bool) -> TimelineEntry:
    _require(can_contribute(actor, entry.incident), _("You may not write in this incident."))
    check_not_merged(entry.incident)
    with transaction.atomic():
        TimelineEntry.objects.filter(pk=entry.pk).update(pinned=pinned)
        entry.pinned = pinned
        live.emit(incident=entry.incident, event=events.timeline_pinned(entry))
    return entry


# --- playbooks and tasks -------------------------------------------------------------------

def playbook_apply(*, incident: Incident, actor) -> list[Task]:
    """Add the playbook tasks that match the incident's type and severity and are not
    there yet. Safe to call again: each template becomes a task once per incident."""
    rank = Severity(incident.severity).rank
    templates = [
        template for template in TaskTemplate.objects
        .filter(Q(playbook__incident_type=incident.type_id)
                | Q(playbook__incident_type__isnull=True))
        .exclude(tasks__incident=incident)
        .select_related("playbook").order_by("playbook__incident_type", "position", "pk")
        if Severity(template.min_severity).rank <= rank
    ]
    if not templates:
        return []
    now = timezone.now()
    tasks = []
    for template in templates:
        task = Task.objects.create(
            incident=incident, template=template, position=template.position,
            title=template.title, description=template.guidance,
            owner_role=template.responsible_role,
            owner_department=template.responsible_department,
            due_at=now + timedelta(minutes=template.due_after_minutes),
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(task=task, position=i, text=text)
            for i, text in enumerate(template.checklist)
        )
        tasks.append(task)
    timeline_record(incident=incident, kind=TimelineKind.TASK, actor=actor,
                    body=ngettext("%(n)d task added from the playbook.",
                                  "%(n)d tasks added from the playbook.", len(tasks))
                    % {"n": len(tasks)},
                    data={"added": [task.pk for task in tasks],
                          "titles": [task.title for task in tasks]})
    live.emit(incident=incident, event=events.tasks_added(tasks))
    return tasks


def _check_owner(owner, incident: Incident) -> None:
    if owner is None:
        return
    if not owner.is_active:
        raise ValidationError({"owner": [_("%(name)s can no longer sign in; choose someone "
                                           "active.") % {"name": owner}]})
    if not may_view(user=owner, incident=incident):
        raise ValidationError({"owner": [_("%(name)s may not view this incident; add them to "
                                           "the team first.") % {"name": owner}]})


def task_create(*, actor, incident: Incident, title: str, description: str = "", owner=None,
                due_at: datetime | None = None) -> Task:
    _require(can_contribute(actor, incident), _("You may not write in this incident."))
    check_not_closed(incident)
    _check_owner(owner, incident)
    task = Task(incident=incident, title=_text(title, "title"),
                description=_text(description, "description"), owner=owner, due_at=due_at)
    task.full_clean(exclude=["incident"])
    with transaction.atomic():
        task.save()
        timeline_record(incident=incident, kind=TimelineKind.TASK, actor=actor,
                        body=_("Task added: %(title)s") % {"title": task.title},
                        data={"task": task.pk, "added": [task.pk]})
        live.emit(incident=incident, event=events.tasks_added([task]))
        if owner is not None:
            hooks.task_assigned.send(sender=Task, task=task, actor=actor)
    return task


def task_set_status(*, actor, task: Task, status: str, reason: str = "") -> Task:
    _require(can_work_on_task(actor, task), _("You may not work on this task."))
    target = _choice(status, TaskStatus, "status")
    reason = _require_reason(reason) if target.needs_reason else _text(reason, "reason")
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("incident").get(pk=task.pk)
        check_not_closed(task.incident)
        current = TaskStatus(task.status)
        if current is target and task.status_reason == reason:
            return task
        task.status, task.status_reason = target, reason
        task.completed_at = timezone.now() if target.is_finished else None
        task.save(update_fields=["status", "status_reason", "completed_at"])
        timeline_record(incident=task.incident, kind=TimelineKind.TASK, actor=actor, body=reason,
                        data={"task": task.pk, "title": task.title, "from": current.value,
                              "to": target.value})
        live.emit(incident=task.incident, event=events.task_updated(task))
    return task


def task_assign(*, actor, task: Task, owner) -> Task:
    _require(can_contribute(actor, task.incident), _("You may not work on this task."))
    _check_owner(owner, task.incident)
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("incident").get(pk=task.pk)
        check_not_closed(task.incident)
        if task.owner_id == (owner.pk if owner else None):
            return task
        task.owner = owner
        task.overdue_notified_at = None
        task.save(update_fields=["owner", "overdue_notified_at"])
        timeline_record(incident=task.incident, kind=TimelineKind.TASK, actor=actor,
                        data={"task": task.pk, "title": task.title,
                              "owner": str(owner) if owner else None})
        live.emit(incident=task.incident, event=events.task_updated(task))
        if owner is not None:
            hooks.task_assigned.send(sender=Task, task=task, actor=actor)
    return task


def checklist_item_set(*, actor, item: ChecklistItem, done: bool) -> ChecklistItem:
    _require(can_work_on_task(actor, item.task), _("You may not work on this task."))
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("incident").get(pk=item.task_id)
        check_not_closed(task.incident)
        ChecklistItem.objects.filter(pk=item.pk).update(done=done)
        item.done = done
        live.emit(incident=task.incident, event=events.task_updated(task))
    return item


def task_comment_add(*, actor, task: Task, body: str) -> TaskComment:
    _require(can_work_on_task(actor, task), _("You may not work on this task."))
    body = _require_text(body, "body", _("This field is required."))
    with transaction.atomic():
        comment = TaskComment.objects.create(task=task, author=actor, body=body)
        live.emit(incident=task.incident, event=events.task_updated(task))
        _tell_mentioned(comment, incident=task.incident, actor=actor,
                        key=f"mention:comment:{comment.pk}")
    return comment


def task_mark_overdue_notified(*, task: Task) -> bool:
    """Claim the one overdue notice of a task; False when it was already sent."""
    with transaction.atomic():
        claimed = Task.objects.filter(pk=task.pk, overdue_notified_at__isnull=True) \
            .update(overdue_notified_at=timezone.now())
        if claimed:
            hooks.task_overdue.send(sender=Task, task=task)
    return bool(claimed)
