"""Writing the timeline: one system or authored entry, broadcast with the change.

Kept apart from the services so every app's services (teams, comms, reports) record
their changes the same way without importing each other."""

from . import events, live
from .models import Incident, TimelineEntry


def timeline_record(*, incident: Incident, kind: str, actor, body: str = "",
                    data: dict | None = None,
                    corrects: TimelineEntry | None = None) -> TimelineEntry:
    """Append an entry; call inside the transaction of the change it records. ``data``
    must fit the kind's declared shape (crisis.events.TIMELINE_SCHEMAS)."""
    data = data or {}
    problems = events.timeline_problems(kind, data)
    if problems:
        raise ValueError(f"A {kind} timeline entry of this shape is not declared: "
                         + "; ".join(problems))
    entry = TimelineEntry.objects.create(incident=incident, kind=kind, actor=actor, body=body,
                                         data=data, corrects=corrects)
    live.emit(incident=incident, event=events.timeline_appended(entry))
    return entry
