"""The one way events reach websockets: written with the change, sent after commit."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .models import Incident, LiveEvent

INCIDENT_LIST_GROUP = "incidents"
GROUP_MESSAGE_TYPE = "live.event"  # handled by LiveConsumer.live_event


def incident_group(incident_id: int) -> str:
    return f"incident.{incident_id}"


def emit(*, incident: Incident, type: str, data: dict, to_list: bool = False) -> LiveEvent:
    """Record an incident event now and broadcast it once the transaction commits.

    ``to_list`` also tells the incident list feed (created, reclassified, closed...).
    Must be called inside the transaction that makes the change.
    """
    event = LiveEvent.objects.create(incident=incident, type=type, data=data)
    groups = [incident_group(incident.pk)]
    if to_list:
        groups.append(INCIDENT_LIST_GROUP)
    frame = event.as_frame()
    transaction.on_commit(lambda: _send(groups, frame))
    return event


def _send(groups: list[str], frame: dict) -> None:
    layer = get_channel_layer()
    for group in groups:
        async_to_sync(layer.group_send)(group, {"type": GROUP_MESSAGE_TYPE, "frame": frame})
