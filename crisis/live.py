"""The one way events reach websockets: written with the change, sent after commit."""

import asyncio
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Max

from .models import Incident, LiveEvent

INCIDENT_LIST_GROUP = "incidents"
GROUP_MESSAGE_TYPE = "live.event"  # handled by LiveConsumer.live_event


def incident_group(incident_id: int) -> str:
    return f"incident.{incident_id}"


def emit(*, incident: Incident, type: str, data: dict, to_list: bool = False) -> LiveEvent:
    """Record an incident event now and broadcast it once the transaction commits.

    ``to_list`` also tells the incident list feed (created, reclassified, closed...).
    Must be called inside the transaction that makes the change: the incident's row lock,
    held until commit, is what makes ``seq`` gapless and ordered.
    """
    Incident.objects.select_for_update().filter(pk=incident.pk).values_list("pk").get()
    last = (LiveEvent.objects.filter(incident_id=incident.pk)
            .aggregate(last=Max("seq"))["last"] or 0)
    event = LiveEvent.objects.create(incident=incident, seq=last + 1, type=type, data=data)
    groups = [incident_group(incident.pk)]
    if to_list:
        groups.append(INCIDENT_LIST_GROUP)
    frame = event.as_frame()
    transaction.on_commit(lambda: _send(groups, frame))
    return event


def last_seq(incident_id: int) -> int:
    return (LiveEvent.objects.filter(incident_id=incident_id)
            .aggregate(last=Max("seq"))["last"] or 0)


def _send(groups: list[str], frame: dict) -> None:
    for group in groups:
        group_send(group, {"type": GROUP_MESSAGE_TYPE, "frame": frame})


def group_send(group: str, message: dict) -> None:
    """``group_send`` from sync code, including sync code under a running event loop
    (Playwright's sync API in browser tests, say), where it must not block that loop."""
    send = async_to_sync(get_channel_layer().group_send)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        send(group, message)
        return
    worker = threading.Thread(target=send, args=(group, message), name="live-group-send")
    worker.start()
    worker.join()


# --- per-user stream (/ws/notifications/) ---------------------------------------------------
USER_MESSAGE_TYPE = "user.frame"  # handled by NotificationConsumer.user_frame


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def tell_user(user_id: int, frame: dict) -> None:
    """Send a frame to every open socket of one user once the transaction commits.

    Nothing is kept: what a user must not miss is stored first (a Notification), and the
    socket only says that it exists."""
    transaction.on_commit(
        lambda: group_send(user_group(user_id), {"type": USER_MESSAGE_TYPE, "frame": frame})
    )


ACCESS_MESSAGE_TYPE = "access.changed"  # handled by IncidentConsumer.access_changed


def access_changed(user_id: int) -> None:
    """A person's global rights changed (groups, permissions, deactivation): their open
    incident sockets check again whether they may still view, once this commits."""
    transaction.on_commit(
        lambda: group_send(user_group(user_id), {"type": ACCESS_MESSAGE_TYPE})
    )
