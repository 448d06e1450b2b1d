"""Websocket consumers only carry messages: authenticate, join groups, re-check, forward."""

import asyncio
import hashlib
import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import live, presence, selectors

MAX_FRAME_BYTES = 4096
CLOSE_NOT_ALLOWED = 4403
# A client that missed more than this many events reloads its panels instead.
RESYNC_LIMIT = 500
# The browser beats every 10 s; more than one beat a second per socket is ignored.
PRESENCE_BEAT_MIN_INTERVAL = 1.0
# Arrivals and departures are sent to a socket at most this often, gathered.
PRESENCE_BATCH_SECONDS = 1.0


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Base for live streams: signed-in users only, small typed frames, errors as frames."""

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
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.connected()

    async def connected(self):
        """Runs once the socket is accepted: send the first frames."""

    async def disconnect(self, code):
        for group in getattr(self, "live_groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.live_groups = []

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
        except json.JSONDecodeError:
            await self.send_error("frame", "Frames must be JSON objects.")
            return
        if not isinstance(content, dict):
            await self.send_error("frame", "Frames must be JSON objects.")
            return
        await self.receive_json(content)

    def client_frames(self) -> dict:
        """The frame types a client may send, each with its handler."""
        return {"ping": self.on_ping}

    async def receive_json(self, content, **kwargs):
        handlers = self.client_frames()
        handler = handlers.get(content.get("type"))
        if handler is None:
            await self.send_error("type", f"Unknown frame type {content.get('type')!r}; "
                                          f"expected one of: {', '.join(handlers)}.")
            return
        await handler(content)

    async def on_ping(self, content):
        await self.send_json({"type": "pong"})

    async def send_error(self, field: str, message: str):
        await self.send_json({"type": "error", "error": {"field": field, "message": message}})

    async def live_event(self, message):
        """A group message from crisis.live: forward it if this user may still see it."""
        frame = message["frame"]
        if getattr(self, "access_lost", False):
            return  # events already on their way when access ended
        if not self.may_still_view(frame) and not await self.may_view(frame["incident"]):
            await self.lost_access(frame["incident"])
            return
        await self.send_json(frame)

    def may_still_view(self, frame: dict) -> bool:
        """True when this frame cannot have changed who may view its incident."""
        return False

    async def access_changed(self, message):
        """The user's global rights changed (crisis.live.access_changed)."""

    async def user_frame(self, message):
        """A frame for the user's notification stream (crisis.live.tell_user)."""

    async def lost_access(self, incident_id: int):
        """The user may no longer view an incident whose event arrived: drop the event."""

    @database_sync_to_async
    def may_view(self, incident_id: int) -> bool:
        return selectors.incident_visible(user=self.fresh_user(), incident_id=incident_id)

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


class IncidentListConsumer(LiveConsumer):
    """/ws/incidents/: list-level events of every incident the user may view."""

    async def allowed_groups(self, user):
        return [live.INCIDENT_LIST_GROUP]


class IncidentConsumer(LiveConsumer):
    """/ws/incidents/<id>/: every event of one incident, in ``seq`` order, and who is here.

    Access is checked on connect and again whenever an event could change it (the
    incident's confidentiality, a role of this user); a socket that lost it is closed
    with 4403 and receives nothing further.
    """

    async def allowed_groups(self, user):
        self.incident_id = self.scope["url_route"]["kwargs"]["incident_id"]
        if not await self.may_view(self.incident_id):
            return None
        self.confidentiality = await self.current_confidentiality()
        # The user's own group tells of changes to their capabilities (access_changed).
        return [live.incident_group(self.incident_id), live.user_group(user.pk)]

    def client_frames(self) -> dict:
        return {"ping": self.on_ping, "resync": self.on_resync,
                "presence.beat": self.on_presence_beat}

    # --- access ----------------------------------------------------------------------------
    def may_still_view(self, frame: dict) -> bool:
        data = frame.get("data") or {}
        if frame["type"] == "incident.updated":
            unchanged = data.get("confidentiality") == self.confidentiality
            self.confidentiality = data.get("confidentiality", self.confidentiality)
            return unchanged
        if frame["type"] == "team.changed":
            return data.get("user") != self.scope["user"].pk
        return True

    async def access_changed(self, message):
        if not getattr(self, "access_lost", False) and not await self.may_view(self.incident_id):
            await self.lost_access(self.incident_id)

    @database_sync_to_async
    def current_confidentiality(self) -> str:
        from .models import Incident

        return Incident.objects.values_list("confidentiality", flat=True).get(
            pk=self.incident_id)

    async def lost_access(self, incident_id: int):
        """Confidentiality went up or the user's role ended: nothing more reaches them."""
        self.access_lost = True
        await self.disconnect(CLOSE_NOT_ALLOWED)
        await self.close(code=CLOSE_NOT_ALLOWED)

    # --- catching up -----------------------------------------------------------------------
    async def on_resync(self, content):
        """``{"type": "resync", "after": <last seq seen>}``: replay what was missed."""
        after = content.get("after")
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            await self.send_error("after", "after must be the last seq you saw: "
                                           "a whole number, 0 or more.")
            return
        frames, latest = await self.events_after(after)
        if frames is None:
            await self.send_json({"type": "resync.reload", "seq": latest})
            return
        for frame in frames:
            await self.send_json(frame)
        await self.send_json({"type": "resync.done", "seq": latest})

    @database_sync_to_async
    def events_after(self, after: int) -> tuple[list[dict] | None, int]:
        events = selectors.live_events_after(incident_id=self.incident_id, after=after,
                                             limit=RESYNC_LIMIT + 1)
        latest = live.last_seq(self.incident_id)
        if len(events) > RESYNC_LIMIT:
            return None, latest
        return [event.as_frame() for event in events], max([latest, after] +
                                                           [e.seq for e in events])

    # --- presence --------------------------------------------------------------------------
    # Who is viewing lives in a registry every server process shares (crisis.presence).
    # A newcomer gets the list, the room hears of arrivals and departures, and each
    # heartbeat refreshes the viewer and answers with the list, so a viewer whose server
    # died drops out on its own. Nothing here is sent N times per viewer: a room of
    # hundreds costs one broadcast per arrival or departure. No seq: not in the event log.
    async def connected(self):
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
        await presence.registry().join(self.incident_id, self.viewer)
        await self.send_presence()
        await self.channel_layer.group_send(live.incident_group(self.incident_id),
                                            {"type": "presence.joined", "viewer": self.viewer})

    async def send_presence(self):
        viewers, more = await presence.registry().viewers(self.incident_id)
        await self.send_json({"type": "presence.state", "you": self.viewer,
                              "viewers": viewers, "more": more})

    async def disconnect(self, code):
        viewer = getattr(self, "viewer", None)
        if getattr(self, "presence_flush", None) is not None:
            self.presence_flush.cancel()
        if viewer and getattr(self, "live_groups", None):
            await presence.registry().leave(self.incident_id, viewer)
            await self.channel_layer.group_send(live.incident_group(self.incident_id),
                                                {"type": "presence.left", "viewer": viewer})
        await super().disconnect(code)

    async def on_presence_beat(self, content):
        now = time.monotonic()
        if now - self.last_beat < PRESENCE_BEAT_MIN_INTERVAL:
            return
        self.last_beat = now
        await presence.registry().beat(self.incident_id, self.viewer)
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
            await self.send_json({
                "type": "presence.changed",
                "here": [viewer for here, viewer in pending.values() if here],
                "left": [viewer for here, viewer in pending.values() if not here],
            })
