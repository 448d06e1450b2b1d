"""The one way events reach websockets: written with the change, sent after commit.

Domain-free: a *stream* is any row whose events are numbered (an incident, say). An app
keeps its stream's events in a model derived from ``SequencedEvent`` and appends them with
``append_event`` inside the transaction of the change; the row lock on the stream, held
until commit, is what makes ``seq`` gapless and ordered. Clients that reconnect ask for
what they missed with ``events_after`` (``core.consumers.ResyncMixin``).
"""

import asyncio
import json
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

GROUP_MESSAGE_TYPE = "live.event"  # handled by LiveConsumer.live_event
USER_MESSAGE_TYPE = "user.frame"  # handled by a per-user stream's user_frame
ACCESS_MESSAGE_TYPE = "access.changed"  # handled by LiveConsumer.access_changed


class SequencedEvent(models.Model):
    """One event of a stream. Subclasses add the foreign key named ``stream_field``."""

    stream_field = ""

    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=64)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.type} #{self.seq}"

    def as_frame(self) -> dict:
        return {"type": self.type, self.stream_field: getattr(self, f"{self.stream_field}_id"),
                "data": self.data, "seq": self.seq}


def append_event(*, model: type[SequencedEvent], stream: models.Model, type: str, data: dict,
                 groups: list[str]) -> SequencedEvent:
    """Record ``stream``'s next event now and broadcast it to ``groups`` on commit.

    Must be called inside the transaction that makes the change."""
    type_of_stream = stream.__class__
    type_of_stream.objects.select_for_update().filter(pk=stream.pk).values_list("pk").get()
    event = model.objects.create(**{model.stream_field: stream}, seq=last_seq(
        model=model, stream_id=stream.pk) + 1, type=type, data=data)
    broadcast_on_commit(groups, event.as_frame())
    return event


def last_seq(*, model: type[SequencedEvent], stream_id: int) -> int:
    return (model.objects.filter(**{f"{model.stream_field}_id": stream_id})
            .aggregate(last=Max("seq"))["last"] or 0)


def events_after(*, model: type[SequencedEvent], stream_id: int, after: int,
                 limit: int) -> list[SequencedEvent]:
    """A stream's events after ``seq`` ``after``, oldest first."""
    return list(model.objects.filter(**{f"{model.stream_field}_id": stream_id}, seq__gt=after)
                .order_by("seq")[:limit])


def group_message(frame: dict) -> dict:
    """The channel-layer message of a live frame: the frame itself, which each socket reads
    to decide whether its user may still see it, and the frame's JSON text, encoded here
    once for every socket of every server process (``LiveConsumer.live_event`` sends it
    unchanged instead of encoding the frame again per socket)."""
    return {"type": GROUP_MESSAGE_TYPE, "frame": frame, "text": json.dumps(frame)}


def broadcast_on_commit(groups: list[str], frame: dict) -> None:
    def send():
        message = group_message(frame)
        for group in groups:
            group_send(group, message)

    # robust: the change is committed; a broadcast that fails (Redis down) is logged and
    # never fails the request that made it. Clients catch up through resync.
    transaction.on_commit(send, robust=True)


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


# --- per-user stream --------------------------------------------------------------------------

def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def tell_user(user_id: int, frame: dict) -> None:
    """Send a frame to every open socket of one user once the transaction commits.

    Nothing is kept: what a user must not miss is stored first (a notification, say), and
    the socket only says that it exists."""
    transaction.on_commit(
        lambda: group_send(user_group(user_id), {"type": USER_MESSAGE_TYPE, "frame": frame}),
        robust=True,
    )


def access_changed(user_id: int) -> None:
    """A person's global rights changed (groups, permissions, deactivation): their open
    sockets check again what they may still see, once this commits."""
    transaction.on_commit(
        lambda: group_send(user_group(user_id), {"type": ACCESS_MESSAGE_TYPE}), robust=True
    )
