"""Badges and times drawn the same way on every page, email and PDF."""

import functools
import json

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join, json_script
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext as _

from core import reltime as relative
from core.text import join_list, labelled
from crisis.choices import (
    Confidentiality,
    IncidentStatus,
    Origin,
    Severity,
    StakeholderKind,
    TaskStatus,
    TimelineKind,
    WarningLevel,
)
from crisis.models import Incident, urgency_key
from crisis.selectors import entry_data_for
from crisis.services import MENTION, mentions_in
from crisis.timeline import headline_writer

register = template.Library()


def same_for_everyone(draw):
    """A badge is the same markup for a value in a language: drawn once per language and
    value, and reused (the incident list draws its four badges twice for each of 50 rows)."""
    drawn: dict = {}

    @functools.wraps(draw)
    def badge(*args, **kwargs):
        key = (get_language(), args, tuple(sorted(kwargs.items())))
        if key not in drawn:
            drawn[key] = draw(*args, **kwargs)
        return drawn[key]

    return badge

# One icon per level as well as one colour, so the level reads in greyscale too.
LEVEL_ICONS = {
    WarningLevel.BLUE: "ti-info-circle",
    WarningLevel.YELLOW: "ti-alert-circle",
    WarningLevel.ORANGE: "ti-alert-triangle",
    WarningLevel.RED: "ti-alert-octagon",
}
CONFIDENTIALITY_ICONS = {
    Confidentiality.INTERNAL: "ti-building",
    Confidentiality.RESTRICTED: "ti-lock-open-2",
    Confidentiality.CONFIDENTIAL: "ti-lock",
}
TASK_STATUS_ICONS = {
    TaskStatus.OPEN: "ti-circle",
    TaskStatus.IN_PROGRESS: "ti-progress",
    TaskStatus.BLOCKED: "ti-hand-stop",
    TaskStatus.DONE: "ti-circle-check",
    TaskStatus.WAIVED: "ti-circle-minus",
}
ENTRY_ICONS = {
    TimelineKind.CREATED: "ti-alert-triangle",
    TimelineKind.STATUS: "ti-arrows-right",
    TimelineKind.CLASSIFICATION: "ti-tags",
    TimelineKind.ESCALATION: "ti-trending-up",
    TimelineKind.NOTE: "ti-note",
    TimelineKind.DECISION: "ti-gavel",
    TimelineKind.KEY_MOMENT: "ti-flag",
    TimelineKind.CORRECTION: "ti-pencil-check",
    TimelineKind.TASK: "ti-checklist",
    TimelineKind.MERGE: "ti-git-merge",
    TimelineKind.ROLE: "ti-user-star",
    TimelineKind.STATEMENT: "ti-speakerphone",
    TimelineKind.ALERT: "ti-bell-ringing",
    TimelineKind.REVIEW: "ti-report",
}


@register.simple_tag
@same_for_everyone
def severity_badge(value):
    severity = Severity(value)
    bars = format_html_join(
        "",
        '<span class="cd-bar{}"></span>',
        ((" on" if i < severity.rank else "",) for i in range(4)),
    )
    return format_html(
        '<span class="cd-badge cd-sev cd-sev-{}" title="{}">'
        '<span class="cd-bars" aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{} </span>{}</span>',
        severity.value, severity.description, bars, _("Severity:"), severity.label,
    )


@register.simple_tag
def severity_description(value):
    return Severity(value).description


@register.simple_tag
@same_for_everyone
def status_badge(value):
    status = IncidentStatus(value)
    return format_html('<span class="cd-badge cd-status cd-status-{}">'
                       '<span class="visually-hidden">{} </span>{}</span>',
                       status.value, _("Status:"), status.label)


@register.simple_tag
@same_for_everyone
def level_badge(value, quiet=False):
    """Warning level: colour, icon and word together; an explicit "none" when unset
    (``quiet`` in dense tables, where most rows have none)."""
    if not value and quiet:
        return format_html('<span class="text-secondary small">{}<span class="visually-hidden"> '
                           '{}</span></span>', _("none"), _("No warning level"))
    if not value:
        return format_html('<span class="cd-badge cd-level cd-level-none" title="{}">'
                           '<i class="ti ti-antenna-bars-off" aria-hidden="true"></i>{}</span>',
                           _("Warning level"), _("No warning level"))
    level = WarningLevel(value)
    return format_html(
        '<span class="cd-badge cd-level cd-level-{}" title="{}">'
        '<i class="ti {}" aria-hidden="true"></i>'
        '<span class="visually-hidden">{} </span>{}</span>',
        level.value, _("Warning level"), LEVEL_ICONS[level], _("Warning level:"), level.label,
    )


@register.simple_tag
@same_for_everyone
def confidentiality_badge(value):
    level = Confidentiality(value)
    return format_html(
        '<span class="cd-badge cd-conf cd-conf-{}" title="{}">'
        '<i class="ti {}" aria-hidden="true"></i>{}</span>',
        level.value, _("Confidentiality"), CONFIDENTIALITY_ICONS[level], level.label,
    )


@register.simple_tag
@same_for_everyone
def drill_badge():
    return format_html(
        '<span class="cd-badge cd-drill" title="{}"><i class="ti ti-flask" aria-hidden="true">'
        '</i>{}</span>',
        _("An exercise: runs like a real incident, left out of real statistics."), _("Drill"),
    )


@register.simple_tag
@same_for_everyone
def task_status_badge(value):
    status = TaskStatus(value)
    return format_html('<span class="cd-badge cd-task cd-task-{}">'
                       '<i class="ti {}" aria-hidden="true"></i>{}</span>',
                       status.value, TASK_STATUS_ICONS[status], status.label)


@register.simple_tag
@same_for_everyone
def entry_icon(kind):
    try:
        icon = ENTRY_ICONS[TimelineKind(kind)]
    except ValueError:
        icon = "ti-point"
    return format_html('<i class="ti {}" aria-hidden="true"></i>', icon)


@register.simple_tag
def reltime(value):
    """Relative time, with the exact time and zone on hover; live.js keeps it current."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}" data-reltime>{}</time>',
        value.isoformat(), local.strftime("%Y-%m-%d %H:%M %Z"), relative.relative_time(value),
    )


@register.simple_tag
def reltime_words():
    """The words and steps of ``reltime`` for live.js, which keeps the times current."""
    return json_script(relative.words(), "reltime-words")


@register.simple_tag
def elapsed(value):
    """Time passed since ``value`` ("2 h 05 min"), exact time on hover; incident-room.js
    ticks it in the same words (``core.reltime``)."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    text = relative.elapsed(int((timezone.now() - value).total_seconds() // 60))
    return format_html('<time datetime="{}" title="{}" data-elapsed>{}</time>',
                       value.isoformat(), local.strftime("%Y-%m-%d %H:%M %Z"), text)


# --- timeline entries in words -------------------------------------------------------------

def _label(choices, value) -> str:
    if not value:
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _field_value(field: str, value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        if field == "stakeholder_kinds":
            value = [_label(StakeholderKind, v) for v in value]
        return join_list(value) or "—"
    if field == "origin":
        return _label(Origin, value)
    if field == "confidentiality":
        return _label(Confidentiality, value)
    return str(value) if value not in (None, "") else "—"


@register.simple_tag(takes_context=True)
def entry_headline(context, entry):
    """The one readable line a system entry stands for; people's entries show their text.
    What it names follows what the reader may view (``selectors.entry_data_for``)."""
    request = context.get("request")
    data = entry_data_for(user=getattr(request, "user", None), entry=entry)
    kind = entry.kind
    if kind == TimelineKind.CREATED:
        values = {"type": shipped(data.get("type", "—")),
                  "severity": _label(Severity, data.get("severity")),
                  "level": _label(WarningLevel, data.get("warning_level"))}
        if data.get("warning_level"):
            return _("Incident opened: %(type)s, severity %(severity)s, warning level "
                     "%(level)s") % values
        return _("Incident opened: %(type)s, severity %(severity)s") % values
    if kind == TimelineKind.STATUS:
        values = {"from": _label(IncidentStatus, data.get("from")),
                  "to": _label(IncidentStatus, data.get("to"))}
        if data.get("reopened"):
            return _("Reopened: %(from)s → %(to)s") % values
        return _("Status: %(from)s → %(to)s") % values
    if kind == TimelineKind.ESCALATION:
        parts = []
        if "severity" in data:
            old, new = data["severity"]
            parts.append(_("severity %(old)s → %(new)s") % {"old": _label(Severity, old),
                                                            "new": _label(Severity, new)})
        if "warning_level" in data:
            old, new = data["warning_level"]
            parts.append(_("warning level %(old)s → %(new)s")
                         % {"old": _label(WarningLevel, old), "new": _label(WarningLevel, new)})
        verb = _("Escalated") if data.get("direction") == "up" else _("De-escalated")
        line = labelled(verb, "; ".join(parts))
        if data.get("override"):
            line += " " + _("(manual override)")
        if data.get("auto"):
            line += " " + _("(automatic, from its alerts)")
        return line
    if kind == TimelineKind.CLASSIFICATION:
        parts = []
        for field, change in data.items():
            try:
                label = Incident._meta.get_field(field).verbose_name
            except FieldDoesNotExist:  # an old field name still reads as itself
                label = field
            old, new = change if isinstance(change, list) and len(change) == 2 else ("", change)
            parts.append(f"{label} {_field_value(field, old)} → {_field_value(field, new)}")
        return _("Classification changed: %(changes)s") % {"changes": "; ".join(parts)}
    if kind == TimelineKind.TASK:
        if "titles" in data:  # read in the reader's language, whatever the body says
            added = len(data.get("added", []))
            return ngettext("%(n)d task added from the playbook.",
                            "%(n)d tasks added from the playbook.", added) % {"n": added}
        if "to" in data:
            return _("Task “%(title)s”: %(from)s → %(to)s") % {
                "title": shipped(data.get("title", "")),
                "from": _label(TaskStatus, data.get("from")),
                "to": _label(TaskStatus, data.get("to"))}
        if "owner" in data:
            if data["owner"]:
                return _("Task “%(title)s” assigned to %(owner)s") % {
                    "title": shipped(data.get("title", "")), "owner": data["owner"]}
            return _("Task “%(title)s” unassigned") % {"title": shipped(data.get("title", ""))}
        return entry.body
    if kind == TimelineKind.ROLE:
        return _role_headline(data)
    writer = headline_writer(kind)  # kinds a higher app writes (statements)
    if writer is not None:
        return writer(data)
    if kind == TimelineKind.MERGE:
        if "from" not in data:
            if "into" not in data:
                return _("Merged into another incident")
            return _("Merged into %(ref)s") % {"ref": data.get("into_reference", data["into"])}
        line = _("%(ref)s merged into this incident (%(tasks)s tasks, %(entries)s entries "
                 "moved)") % {"ref": data.get("from_reference", data.get("from")),
                              "tasks": data.get("tasks", 0), "entries": data.get("entries", 0)}
        if data.get("kept"):
            line += " " + _("%(n)d playbook task(s) this incident already had stayed there.") % {
                "n": data["kept"]}
        return line
    return ""


def _role_headline(data: dict) -> str:
    values = {"person": data.get("person", ""), "role": shipped(data.get("role_name", "")),
              "department": data.get("department", ""), "from": data.get("from", ""),
              "to": data.get("to", "")}
    action = data.get("action")
    if action == "handed_over":
        line = _("%(person)s handed the lead over to %(to)s") % values
    elif action == "took_over":
        line = _("%(person)s took over as %(role)s from %(from)s") % values
    elif action == "promoted":
        line = _("%(person)s is no longer %(role)s (now the lead)") % values
    elif action == "ended":
        line = _("%(person)s is no longer %(role)s") % values
    elif values["department"]:
        line = _("%(person)s joined the team as %(role)s for %(department)s") % values
    else:
        line = _("%(person)s joined the team as %(role)s") % values
    if data.get("policy"):
        line += " " + _("(team policy)")
    return line


@register.simple_tag
def entry_reason(entry):
    """The free text that goes with a system line (reason, comment), if any."""
    if entry.kind == TimelineKind.TASK and "titles" in (entry.data or {}):
        return ""
    if entry.kind == TimelineKind.TASK and not (entry.data or {}).get("to") \
            and "owner" not in (entry.data or {}):
        return ""
    return entry.body


@register.filter
def urgency(incident) -> str:
    """The incident's place in the list's order (``crisis.models.urgency_key``), as JSON."""
    return json.dumps(urgency_key(incident), separators=(",", ":"))


@register.simple_tag(takes_context=True)
def mention_text(context, text):
    """What a person wrote, escaped, line breaks kept, each ``@username`` of a known person
    highlighted (names nobody has stay plain text). ``known_mentions`` in the context (one
    query for a page of entries) or one query here."""
    text = normalize_newlines(text or "")
    known = context.get("known_mentions")
    if known is None:
        known = mentions_in(text)[0]
    parts, last = [], 0
    for match in MENTION.finditer(text):
        name = match.group(1)
        hit = name if name in known else name.rstrip(".-")
        if hit not in known or not hit:
            continue
        parts += [escape(text[last:match.start()]),
                  format_html('<span class="cd-mention fw-semibold text-primary">@{}</span>',
                              hit)]
        last = match.start() + 1 + len(hit)
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308 - every part escaped


@register.filter
def stakeholder_labels(values):
    return [_label(StakeholderKind, value) for value in values or []]


@register.filter
def shipped(value):
    """Text CrisisDesk ships as data (playbook tasks, roles): shown in the reader's
    language when the catalogs have it, otherwise exactly as stored."""
    return gettext(value) if isinstance(value, str) and value else value


@register.filter(name="join_list")
def join_list_filter(items) -> str:
    """The items joined as the reader's language joins a list ("a, b"; "甲、乙")."""
    return join_list(items or [])


@register.filter
def initials(user) -> str:
    """Up to two letters for an avatar: first and last name, else the username."""
    parts = [user.first_name, user.last_name] if (user.first_name or user.last_name) \
        else [user.username]
    return "".join(part[:1] for part in parts if part).upper()[:2] or "?"
