"""The incident's live events and timeline entries, declared once.

Each live event type has one builder here that produces its payload; services emit what
the builders return (``crisis.live.emit``), never a hand-made dict. Each event type and
each timeline kind has a declared shape (``EVENT_SCHEMAS``, ``TIMELINE_SCHEMAS``):
``crisis.timeline.timeline_record`` refuses an entry that does not match its kind, and the test
suite checks every event and entry it stores (tests/conftest.py), as Zulip's
``event_schema`` does. Scripts take event names from ``core.frames`` (rendered into pages).

A shape maps each key to its type (or a tuple of types); a key ending in ``?`` may be
absent; ``"*"`` allows any further key with that type.
"""

from dataclasses import dataclass
from enum import StrEnum

from .choices import TimelineKind


class EventType(StrEnum):
    INCIDENT_CREATED = "incident.created"
    INCIDENT_UPDATED = "incident.updated"
    TIMELINE_APPENDED = "timeline.appended"
    TIMELINE_PINNED = "timeline.pinned"
    TASK_CHANGED = "task.changed"
    TEAM_CHANGED = "team.changed"


@dataclass(frozen=True)
class Event:
    type: EventType
    data: dict
    to_list: bool = False  # the incident list feed hears of it too


# --- builders: one per event type ---------------------------------------------------------

def _incident(incident) -> dict:
    return {"id": incident.pk, "reference": incident.reference, "title": incident.title,
            "status": incident.status, "severity": incident.severity,
            "warning_level": incident.warning_level, "is_drill": incident.is_drill,
            "confidentiality": incident.confidentiality}


def incident_created(incident) -> Event:
    return Event(EventType.INCIDENT_CREATED, _incident(incident), to_list=True)


def incident_updated(incident) -> Event:
    return Event(EventType.INCIDENT_UPDATED, _incident(incident), to_list=True)


def timeline_appended(entry) -> Event:
    return Event(EventType.TIMELINE_APPENDED,
                 {"id": entry.pk, "kind": entry.kind, "pinned": entry.pinned})


def timeline_pinned(entry) -> Event:
    return Event(EventType.TIMELINE_PINNED, {"id": entry.pk, "pinned": entry.pinned})


def tasks_added(tasks) -> Event:
    return Event(EventType.TASK_CHANGED, {"added": [task.pk for task in tasks]})


def task_updated(task) -> Event:
    return Event(EventType.TASK_CHANGED, {"updated": [task.pk]})


def team_changed(assignment, *, action: str) -> Event:
    return Event(EventType.TEAM_CHANGED,
                 {"action": action, "assignment": assignment.pk, "user": assignment.user_id,
                  "role": assignment.role.code})


# --- shapes -------------------------------------------------------------------------------

_INCIDENT_SHAPE = {"id": int, "reference": str, "title": str, "status": str, "severity": str,
                   "warning_level": str, "is_drill": bool, "confidentiality": str}

EVENT_SCHEMAS: dict[EventType, dict] = {
    EventType.INCIDENT_CREATED: _INCIDENT_SHAPE,
    EventType.INCIDENT_UPDATED: _INCIDENT_SHAPE,
    EventType.TIMELINE_APPENDED: {"id": int, "kind": str, "pinned": bool},
    EventType.TIMELINE_PINNED: {"id": int, "pinned": bool},
    EventType.TASK_CHANGED: {"added?": list, "updated?": list},
    EventType.TEAM_CHANGED: {"action": str, "assignment": int, "user": int, "role": str},
}

_CHANGE = list  # [old, new]

TIMELINE_SCHEMAS: dict[str, dict] = {
    TimelineKind.CREATED: {"severity": str, "type": str, "warning_level?": str},
    TimelineKind.STATUS: {"from": str, "to": str, "reopened?": bool},
    TimelineKind.CLASSIFICATION: {"*": _CHANGE},
    TimelineKind.ESCALATION: {"severity?": _CHANGE, "warning_level?": _CHANGE,
                              "direction": str, "override": bool,
                              # set by the early warning's alerts (incident_set_auto_warning_level)
                              "auto?": bool},
    TimelineKind.NOTE: {},
    TimelineKind.DECISION: {},
    TimelineKind.KEY_MOMENT: {},
    TimelineKind.CORRECTION: {"as": str},
    TimelineKind.TASK: {"task?": int, "added?": list, "titles?": list, "title?": str,
                        "from?": str, "to?": str, "owner?": (str, type(None))},
    TimelineKind.MERGE: {"into?": int, "into_reference?": str, "from?": int,
                         "from_reference?": str, "tasks?": int, "entries?": int,
                         "kept?": int},
    TimelineKind.ROLE: {"action": str, "assignment": int, "user": int, "person": str,
                        "role": str, "role_name": str, "department?": str, "policy?": bool,
                        "from?": str, "to?": str, "previous?": str},
    # Written by comms.services (``published`` marks the entry the room's "since the last
    # public statement" clock counts from; freezes name no statement) and by
    # comms.inquiry_services for media inquiries (``inquiry``: its id; ``answer``: the
    # statement it was answered with).
    TimelineKind.STATEMENT: {"action": str, "statement?": int, "title?": str, "kind?": str,
                             "version?": int, "from?": str, "to?": str, "stage?": str,
                             "decision?": str, "published?": bool, "freeze?": int,
                             "organisation_wide?": bool, "inquiry?": int, "outlet?": str,
                             # the stakeholder map (comms.stakeholder_map_services)
                             "stakeholder_group?": int, "group?": str, "affected?": bool,
                             "priority?": str, "owner?": (str, type(None)), "cadence?": int,
                             "assignee?": (str, type(None)), "answer?": (int, type(None)),
                             "answer_title?": str, "fields?": list, "delivery?": int,
                             "channel?": str},
    # Written by the monitoring issue: declared with it.
    TimelineKind.ALERT: {"*": object},
    # Written by reports.services: the post-incident review opened, a new version started,
    # signed (``role``) and fully signed off; action items added and changed.
    TimelineKind.REVIEW: {"action": str, "review": int, "version?": int, "role?": str,
                          "action_item?": int, "title?": str, "status?": str,
                          "from?": str, "to?": str, "owner?": str, "due_on?": str},
}


def shape_problems(shape: dict, data) -> list[str]:
    """What is wrong with ``data`` against ``shape`` (empty when it fits)."""
    if not isinstance(data, dict):
        return [f"expected an object, got {type(data).__name__}"]
    problems = []
    declared = {key.rstrip("?") for key in shape if key != "*"}
    for key, kind in shape.items():
        if key == "*":
            continue
        name = key.rstrip("?")
        if name not in data:
            if not key.endswith("?"):
                problems.append(f"{name}: missing")
            continue
        if not _fits(data[name], kind):
            problems.append(f"{name}: {type(data[name]).__name__} is not {kind}")
    for name in set(data) - declared:
        if "*" not in shape:
            problems.append(f"{name}: not declared")
        elif not _fits(data[name], shape["*"]):
            problems.append(f"{name}: {type(data[name]).__name__} is not {shape['*']}")
    return problems


def _fits(value, kind) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if bool not in kinds and isinstance(value, bool):
        return object in kinds  # True is an int to Python, not to our schemas
    return isinstance(value, kinds)


# Event types higher apps add to the incident's stream (``register_event_schemas``).
REGISTERED_SCHEMAS: dict[str, dict] = {}


def register_event_schemas(schemas: dict) -> None:
    """A higher app's event types and their shapes (``{StrEnum member: shape}``), added in
    its ``AppConfig.ready()``: its events join the incident's stream (``live.emit``) and
    are checked like crisis's own."""
    REGISTERED_SCHEMAS.update({str(type): shape for type, shape in schemas.items()})


def event_problems(type: str, data) -> list[str]:
    if type in REGISTERED_SCHEMAS:
        return shape_problems(REGISTERED_SCHEMAS[type], data)
    if type not in EVENT_SCHEMAS:
        return [f"{type!r} is not a declared event type"]
    return shape_problems(EVENT_SCHEMAS[EventType(type)], data)


def timeline_problems(kind: str, data) -> list[str]:
    if kind not in TIMELINE_SCHEMAS:
        return [f"{kind!r} is not a declared timeline kind"]
    return shape_problems(TIMELINE_SCHEMAS[kind], data)
