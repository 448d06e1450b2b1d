"""Websocket consumers only carry messages: authenticate, join groups, re-check, forward."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import live, selectors

MAX_FRAME_BYTES = 4096
CLOSE_NOT_ALLOWED = 4403


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

    async def disconnect(self, code):
        for group in getattr(self, "live_groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)

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

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
            return
        await self.send_error("type", f"Unknown frame type {content.get('type')!r}; "
                                      "expected one of: ping.")

    async def send_error(self, field: str, message: str):
        await self.send_json({"type": "error", "error": {"field": field, "message": message}})

    async def live_event(self, message):
        """A group message from crisis.live: forward it if this user may still see it."""
        frame = message["frame"]
        if getattr(self, "access_lost", False):
            return  # events already on their way when access ended
        if await self.may_view(frame["incident"]):
            await self.send_json(frame)
        else:
            await self.lost_access(frame["incident"])

    async def lost_access(self, incident_id: int):
        """The user may no longer view an incident whose event arrived: drop the event."""

    @database_sync_to_async
    def may_view(self, incident_id: int) -> bool:
        user = self.scope["user"]
        # Capabilities may have changed since the socket opened; read them again.
        for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(cache, None)
        return selectors.incident_visible(user=user, incident_id=incident_id)


class IncidentListConsumer(LiveConsumer):
    """/ws/incidents/: list-level events of every incident the user may view."""

    async def allowed_groups(self, user):
        return [live.INCIDENT_LIST_GROUP]


class IncidentConsumer(LiveConsumer):
    """/ws/incidents/<id>/: every event of one incident; 4403 when it may not be viewed."""

    async def allowed_groups(self, user):
        incident_id = self.scope["url_route"]["kwargs"]["incident_id"]
        if not await self.may_view(incident_id):
            return None
        return [live.incident_group(incident_id)]

    async def lost_access(self, incident_id: int):
        """Confidentiality went up or the user's role ended: nothing more reaches them."""
        self.access_lost = True
        await self.disconnect(CLOSE_NOT_ALLOWED)
        self.live_groups = []
        await self.close(code=CLOSE_NOT_ALLOWED)
