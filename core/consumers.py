"""Websocket consumers only carry messages: authenticate, join groups, re-check, forward.

The base every live stream shares; it knows no domain. A stream says which groups a user
may join and whether they may still see a frame; ``ResyncMixin`` replays a numbered
stream (core.live) after a reconnect and ``PresenceMixin`` tells who is here."""

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import time

from channels import db
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections

from . import live, presence
from .frames import Frame
from .outages import DEPENDENCY_ERRORS

MAX_FRAME_BYTES = 4096
CLOSE_NOT_ALLOWED = 4403
MAX_SEQ = 2**63 - 1  # the database's bigint: a larger "after" is no seq at all
# A dependency is down; reconnect later. RFC 6455 has 1013 for it, but a server may only
# close with 1000 or 3000-4999 through daphne (autobahn raised "invalid close code 1013",
# and the socket dropped through an application error): 4013 says it to our pages.
CLOSE_TRY_AGAIN_LATER = 4013
# A client that missed more than this many events reloads its panels instead.
RESYNC_LIMIT = 500
# The browser beats every 10 s; more than one beat a second per socket is ignored.
PRESENCE_BEAT_MIN_INTERVAL = 1.0
# Arrivals and departures are sent to a socket at most this often, gathered.
PRESENCE_BATCH_SECONDS = 1.0

logger = logging.getLogger(__name__)


def database_sync_to_async(function):
    """``channels.db.database_sync_to_async`` keeping the database connection of the thread
    it runs in open between calls, for ``LIVE_DB_CONN_MAX_AGE`` seconds.

    Every socket of a server process reaches the database through that one thread. With
    a connection opened and closed per call (``CONN_MAX_AGE`` 0, right for HTTP requests,
    each in a thread of its own), a handshake's five queries cost five PostgreSQL
    connections, about 18 ms each on a busy machine: 200 sockets reconnecting at once
    (their server was killed) queued for seconds, past daphne's 5 s handshake timeout,
    and retried together, so none got through. The kept connection is checked before
    reuse (``CONN_HEALTH_CHECKS``) and closed after an error, as Django does for requests."""
    @functools.wraps(function)
    def keeping(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            keep = getattr(settings, "LIVE_DB_CONN_MAX_AGE", 0)
            for connection in connections.all(initialized_only=True):
                if keep and connection.connection is not None:
                    connection.close_at = time.monotonic() + keep

    return db.database_sync_to_async(keeping)


async def send_unless_gone(send, message: dict) -> None:
    """A frame for a client that has just gone is dropped: an ASGI server may raise an
    OSError for it (Uvicorn's ClientDisconnected), which would end the consumer through an
    error instead of through the ``websocket.disconnect`` that follows (presence batches
    are sent by a task of their own, at any time)."""
    with contextlib.suppress(OSError):
        await send(message)


async def dispatch_from(sources, dispatch) -> None:
    """Channels' ``await_many_dispatch``, leaner: one task per source (the client, the
    channel layer) reads and dispatches for the socket's whole life, a lock giving the
    handlers one message at a time in the order they came. Channels waits on both sources
    afresh for every message (an ``asyncio.wait`` and a new task each time), which in a
    room of hundreds was most of what one frame cost a server process per socket."""
    turn = asyncio.Lock()

    async def pump(source):
        while True:
            message = await source()
            async with turn:
                await dispatch(message)

    tasks = [asyncio.ensure_future(pump(source)) for source in sources]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()  # StopConsumer (the socket is done), or a handler's error
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, StopConsumer):
                await task


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Base for live streams: signed-in users only, small typed frames, errors as frames."""

    async def __call__(self, scope, receive, send):
        # Redis unreachable before the handshake (the socket's own channel cannot be
        # subscribed): refuse it with one line in the log, not a traceback per attempt;
        # the page reconnects with back-off.
        try:
            await self.serve(scope, receive, send)
        except DEPENDENCY_ERRORS as error:
            if getattr(self, "channel_name", None) is not None:
                raise
            logger.warning("Live socket refused until a dependency is back: %s", error)
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})

    async def serve(self, scope, receive, send):
        """Channels' ``AsyncConsumer.__call__`` with ``dispatch_from`` as its loop."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive,
                                                     self.channel_name)
            sources.append(self.channel_receive)
        self.base_send = functools.partial(send_unless_gone, send)
        with contextlib.suppress(StopConsumer):
            await dispatch_from(sources, self.dispatch)

    async def dispatch(self, message):
        """Channels' dispatch without its ``aclose_old_connections()`` before every handler:
        that is one hop to the single database thread per message, so a room of N viewers
        paid N hops for each arrival and each event, queued ahead of every handshake's own
        queries. Handlers here reach the database only through ``database_sync_to_async``,
        which closes old connections itself, before and after."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        groups = await self.allowed_groups(user)
        if groups is None:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.live_groups = groups
        # Redis unreachable: say "try again later" (4013) instead of failing the handshake
        # with a 500; the page keeps working over HTTP and reconnects with back-off.
        try:
            for group in groups:
                await self.channel_layer.group_add(group, self.channel_name)
        except DEPENDENCY_ERRORS as error:
            await self.refuse_for_now(error, accepted=False)
            return
        await self.accept()
        try:
            await self.connected()
        except DEPENDENCY_ERRORS as error:
            await self.refuse_for_now(error, accepted=True)

    async def refuse_for_now(self, error: BaseException, *, accepted: bool):
        logger.warning("Live socket closed until a dependency is back: %s", error)
        self.live_groups = []
        if not accepted:
            await self.accept()
        await self.close(code=CLOSE_TRY_AGAIN_LATER)

    async def connected(self):
        """Runs once the socket is accepted: send the first frames."""

    async def disconnect(self, code):
        groups, self.live_groups = getattr(self, "live_groups", []), []
        try:
            for group in groups:
                await self.channel_layer.group_discard(group, self.channel_name)
        except DEPENDENCY_ERRORS as error:  # Redis is gone: so are its subscriptions
            logger.warning("Live socket closed without leaving its groups: %s", error)

    async def layer_interrupted(self, message):
        """The channel layer lost Redis (core.channel_layer): events may have been missed,
        and more will be until it is back. Close with 4013 (try again later): the page says
        live updates are paused, reconnects, and catches up from the event log (resync)."""
        await self.close(code=CLOSE_TRY_AGAIN_LATER)

    async def allowed_groups(self, user) -> list[str] | None:
        raise NotImplementedError

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if bytes_data is not None:
            await self.send_error("frame", "Binary frames are not accepted; send JSON text.")
            return
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_error("frame", f"Frames are limited to {MAX_FRAME_BYTES} bytes.")
            return
        try:
            content = json.loads(text_data)
        except (json.JSONDecodeError, RecursionError):  # RecursionError: nested too deep
            await self.send_error("frame", "Frames must be JSON objects.")
            return
        if not isinstance(content, dict):
            await self.send_error("frame", "Frames must be JSON objects.")
            return
        await self.receive_json(content)

    def client_frames(self) -> dict:
        """The frame types a client may send, each with its handler."""
        return {Frame.PING: self.on_ping}

    async def receive_json(self, content, **kwargs):
        handlers = self.client_frames()
        frame_type = content.get("type")
        handler = handlers.get(frame_type) if isinstance(frame_type, str) else None
        if handler is None:
            shown = frame_type if isinstance(frame_type, str) else type(frame_type).__name__
            await self.send_error("type", f"Unknown frame type {shown[:40]!r}; "
                                          f"expected one of: {', '.join(handlers)}.")
            return
        await handler(content)

    async def on_ping(self, content):
        await self.send_json({"type": Frame.PONG})

    async def send_error(self, field: str, message: str):
        await self.send_json({"type": Frame.ERROR, "error": {"field": field, "message": message}})

    async def live_event(self, message):
        """A group message from core.live: forward it if this user may still see it.

        The frame goes out as the JSON text its publisher encoded once
        (``core.live.group_message``): a room of hundreds costs a server process one
        encoding per event, not one per socket. Every socket still checks the frame."""
        frame = message["frame"]
        if getattr(self, "access_lost", False):
            return  # events already on their way when access ended
        if not self.may_still_view(frame) and not await self.may_view_frame(frame):
            await self.lost_access(frame)
            return
        text = message.get("text")
        if text is None:  # a message sent by other means than core.live
            await self.send_json(frame)
        else:
            await self.send(text_data=text)

    def may_still_view(self, frame: dict) -> bool:
        """True when this frame cannot have changed whether the user may see it."""
        return False

    async def may_view_frame(self, frame: dict) -> bool:
        """Whether the user may (still) see what ``frame`` is about."""
        raise NotImplementedError

    async def access_changed(self, message):
        """The user's global rights changed (core.live.access_changed)."""

    async def user_frame(self, message):
        """A frame for the user's own stream (core.live.tell_user)."""

    async def lost_access(self, frame: dict):
        """The user may no longer see what an arriving frame is about: drop it."""

    def fresh_user(self):
        """The signed-in user with capabilities read again: they may have changed since the
        socket opened. Call from sync code (database_sync_to_async)."""
        user = self.scope["user"]
        user.pk  # noqa: B018 -- evaluates channels' lazy user, whose caches live on the real one
        user = getattr(user, "_wrapped", user)
        for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(cache, None)
        user.refresh_from_db(fields=["is_active", "is_superuser"])
        return user




class ResyncMixin:
    """Catching up on a numbered stream (core.live): on every (re)connect the client sends
    ``{"type": "resync", "after": <last seq seen>}`` and gets what it missed, then
    ``resync.done``; more than ``RESYNC_LIMIT`` missed events: ``resync.reload``.

    The consumer sets ``event_model`` (a ``core.live.SequencedEvent``) and ``stream_id``."""

    event_model = None
    stream_id: int

    async def may_view_stream(self) -> bool:
        """Whether the user may (still) see the stream ``stream_id``."""
        raise NotImplementedError

    async def on_resync(self, content):
        after = content.get("after")
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= MAX_SEQ:
            await self.send_error("after", "after must be the last seq you saw: "
                                           "a whole number, 0 or more.")
            return
        # Access may have gone since the socket opened, whatever told it (or did not):
        # a replay is the whole log, so it is checked again first.
        if not await self.may_view_stream():
            await self.lost_access(None)
            return
        frames, latest = await self.events_after(after)
        if frames is None:
            await self.send_json({"type": Frame.RESYNC_RELOAD, "seq": latest})
            return
        for frame in frames:
            await self.send_json(frame)
        await self.send_json({"type": Frame.RESYNC_DONE, "seq": latest})

    @database_sync_to_async
    def events_after(self, after: int) -> tuple[list[dict] | None, int]:
        events = live.events_after(model=self.event_model, stream_id=self.stream_id,
                                   after=after, limit=RESYNC_LIMIT + 1)
        latest = live.last_seq(model=self.event_model, stream_id=self.stream_id)
        if len(events) > RESYNC_LIMIT:
            return None, latest
        return [event.as_frame() for event in events], max([latest, after] +
                                                           [e.seq for e in events])


class PresenceMixin:
    """Who has a room open, from a registry every server process shares (core.presence).

    A newcomer gets the list, the room hears of arrivals and departures, and each heartbeat
    refreshes the viewer and answers with the list, so a viewer whose server died drops out
    on its own. Nothing here is sent N times per viewer: a room of hundreds costs one
    broadcast per arrival or departure. No seq: presence is not in the event log.

    The consumer sets ``presence_room`` (an id) and ``presence_group`` (the room's group)
    before calling ``presence_join()``, and calls ``presence_leave()`` on disconnect."""

    presence_room: int
    presence_group: str

    async def presence_join(self):
        user = self.scope["user"]
        self.viewer = {
            "key": hashlib.blake2s(self.channel_name.encode(), digest_size=6).hexdigest(),
            "user": user.pk,
            "name": str(user),
        }
        self.last_beat = time.monotonic()
        self.presence_pending: dict[str, tuple[bool, dict]] = {}
        self.presence_flush: asyncio.Future | None = None
        self.presence_sent_at = 0.0
        await presence.registry().join(self.presence_room, self.viewer)
        await self.send_presence()
        await self.channel_layer.group_send(self.presence_group,
                                            {"type": "presence.joined", "viewer": self.viewer})

    async def send_presence(self):
        viewers, more = await presence.registry().viewers(self.presence_room)
        await self.send_json({"type": Frame.PRESENCE_STATE, "you": self.viewer,
                              "viewers": viewers, "more": more})

    async def presence_leave(self):
        viewer = getattr(self, "viewer", None)
        if getattr(self, "presence_flush", None) is not None:
            self.presence_flush.cancel()
        if viewer and getattr(self, "live_groups", None):
            try:
                await presence.registry().leave(self.presence_room, viewer)
                await self.channel_layer.group_send(self.presence_group,
                                                    {"type": "presence.left", "viewer": viewer})
            except DEPENDENCY_ERRORS as error:  # the viewer expires on its own (25 s)
                logger.warning("Room viewer left without telling the room: %s", error)

    async def on_presence_beat(self, content):
        now = time.monotonic()
        if now - self.last_beat < PRESENCE_BEAT_MIN_INTERVAL:
            return
        self.last_beat = now
        await presence.registry().beat(self.presence_room, self.viewer)
        await self.send_presence()

    async def presence_joined(self, message):
        self.presence_changed(message["viewer"], here=True)

    async def presence_left(self, message):
        self.presence_changed(message["viewer"], here=False)

    # Arrivals and departures reach a socket at most once a second, gathered into one
    # frame: a room of hundreds filling up is then hundreds of frames per socket at most,
    # not one per arrival.
    def presence_changed(self, viewer: dict, *, here: bool):
        if viewer["key"] == self.viewer["key"] or getattr(self, "access_lost", False):
            return
        self.presence_pending[viewer["key"]] = (here, viewer)
        if self.presence_flush is None:
            wait = max(0.0, self.presence_sent_at + PRESENCE_BATCH_SECONDS - time.monotonic())
            self.presence_flush = asyncio.ensure_future(self.send_presence_changes(wait))

    async def send_presence_changes(self, wait: float):
        await asyncio.sleep(wait)
        pending, self.presence_pending = self.presence_pending, {}
        self.presence_flush = None
        self.presence_sent_at = time.monotonic()
        if pending and not getattr(self, "access_lost", False):
            # The socket may have closed during the batch's wait (a room emptying at once;
            # its disconnect is on its way): Uvicorn refuses a send to a closed socket
            # (ClientDisconnected, an OSError), and nothing awaits this task, so each was an
            # ERROR with a traceback in the log (python -m bench load).
            with contextlib.suppress(OSError):
                await self.send_json({
                    "type": Frame.PRESENCE_CHANGED,
                    "here": [viewer for here, viewer in pending.values() if here],
                    "left": [viewer for here, viewer in pending.values() if not here],
                })
