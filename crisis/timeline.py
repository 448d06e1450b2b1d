"""Writing the timeline: one system or authored entry, broadcast with the change.

Kept apart from the services so every app's services (teams, comms, reports) record
their changes the same way without importing each other."""

from collections.abc import Callable

from . import events, live
from .choices import KINDS_WRITTEN_LATER, TimelineKind
from .models import Incident, TimelineEntry

_declared: set[TimelineKind] = set()


def declare_written(*kinds: TimelineKind) -> None:
    """A higher app says, in its ``AppConfig.ready()``, that it writes ``kinds`` (of
    ``KINDS_WRITTEN_LATER``) now: pages start offering them (filter, clocks)."""
    _declared.update(TimelineKind(kind) for kind in kinds)


_headline_writers: dict[TimelineKind, Callable[[dict], str]] = {}


def write_headlines(kind: TimelineKind, writer: Callable[[dict], str]) -> None:
    """A higher app says how its entries of ``kind`` read in the room: ``writer(data)``
    returns the entry's line in the reader's language (crisis_ui.entry_headline)."""
    _headline_writers[TimelineKind(kind)] = writer


def headline_writer(kind: str) -> Callable[[dict], str] | None:
    return _headline_writers.get(kind)


def kinds_in_use() -> list[TimelineKind]:
    """The timeline kinds something writes now, in their order: what pages offer."""
    return [kind for kind in TimelineKind
            if kind not in KINDS_WRITTEN_LATER or kind in _declared]


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
