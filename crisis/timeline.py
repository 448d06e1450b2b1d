"""Writing the timeline: one system or authored entry, broadcast with the change.

Kept apart from the services so every app's services (teams, comms, reports) record
their changes the same way without importing each other."""

from . import live
from .models import Incident, TimelineEntry


def record(*, incident: Incident, kind: str, actor, body: str = "", data: dict | None = None,
           corrects: TimelineEntry | None = None) -> TimelineEntry:
    """Append an entry; call inside the transaction of the change it records."""
    entry = TimelineEntry.objects.create(incident=incident, kind=kind, actor=actor, body=body,
                                         data=data or {}, corrects=corrects)
    live.emit(incident=incident, type="timeline.appended",
              data={"id": entry.pk, "kind": kind, "pinned": entry.pinned})
    return entry
