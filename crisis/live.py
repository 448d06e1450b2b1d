"""An incident's live stream: its events, numbered per incident, sent after commit
(the machinery is core.live; crisis.events declares the event types)."""

from core import live

from .events import Event
from .models import Incident, LiveEvent

INCIDENT_LIST_GROUP = "incidents"


def incident_group(incident_id: int) -> str:
    return f"incident.{incident_id}"


def emit(*, incident: Incident, event: Event) -> LiveEvent:
    """Record an incident event (built by a crisis.events builder) now and broadcast it
    once the transaction commits; list-level events reach the incident list feed too.
    Must be called inside the transaction that makes the change."""
    groups = [incident_group(incident.pk)]
    if event.to_list:
        groups.append(INCIDENT_LIST_GROUP)
    return live.append_event(model=LiveEvent, stream=incident, type=event.type,
                             data=event.data, groups=groups)


def last_seq(incident_id: int) -> int:
    return live.last_seq(model=LiveEvent, stream_id=incident_id)
