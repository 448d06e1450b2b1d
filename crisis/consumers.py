"""The incident streams: /ws/incidents/ (the list feed) and /ws/incidents/<id>/ (one room)."""

from core.consumers import (
    CLOSE_NOT_ALLOWED,
    LiveConsumer,
    PresenceMixin,
    ResyncMixin,
    database_sync_to_async,
)
from core.frames import Frame
from core.live import user_group

from . import live, selectors
from .events import EventType
from .models import Incident, LiveEvent


class IncidentStreamConsumer(LiveConsumer):
    """What every incident stream checks: frames of incidents the user may view."""

    async def may_view_frame(self, frame: dict) -> bool:
        return await self.may_view(frame["incident"])

    @database_sync_to_async
    def may_view(self, incident_id: int) -> bool:
        return selectors.incident_visible(user=self.fresh_user(), incident_id=incident_id)


class IncidentListConsumer(IncidentStreamConsumer):
    """/ws/incidents/: list-level events of every incident the user may view."""

    async def allowed_groups(self, user):
        return [live.INCIDENT_LIST_GROUP]


class IncidentConsumer(ResyncMixin, PresenceMixin, IncidentStreamConsumer):
    """/ws/incidents/<id>/: every event of one incident, in ``seq`` order, and who is here.

    Access is checked on connect and again whenever an event could change it (the
    incident's confidentiality, a role of this user); a socket that lost it is closed
    with 4403 and receives nothing further.
    """

    event_model = LiveEvent

    async def allowed_groups(self, user):
        self.incident_id = self.stream_id = self.presence_room = (
            self.scope["url_route"]["kwargs"]["incident_id"])
        if not await self.may_view(self.incident_id):
            return None
        self.confidentiality = await self.current_confidentiality()
        self.presence_group = live.incident_group(self.incident_id)
        # The user's own group tells of changes to their capabilities (access_changed).
        return [live.incident_group(self.incident_id), user_group(user.pk)]

    async def connected(self):
        await self.presence_join()

    async def disconnect(self, code):
        await self.presence_leave()
        await super().disconnect(code)

    def client_frames(self) -> dict:
        return {Frame.PING: self.on_ping, Frame.RESYNC: self.on_resync,
                Frame.PRESENCE_BEAT: self.on_presence_beat}

    # --- access ----------------------------------------------------------------------------
    def may_still_view(self, frame: dict) -> bool:
        data = frame.get("data") or {}
        if frame["type"] == EventType.INCIDENT_UPDATED:
            unchanged = data.get("confidentiality") == self.confidentiality
            self.confidentiality = data.get("confidentiality", self.confidentiality)
            return unchanged
        if frame["type"] == EventType.TEAM_CHANGED:
            return data.get("user") != self.scope["user"].pk
        return True

    async def may_view_stream(self) -> bool:
        return await self.may_view(self.incident_id)

    async def access_changed(self, message):
        if not getattr(self, "access_lost", False) and not await self.may_view(self.incident_id):
            await self.lost_access(None)

    @database_sync_to_async
    def current_confidentiality(self) -> str:
        return Incident.objects.values_list("confidentiality", flat=True).get(
            pk=self.incident_id)

    async def lost_access(self, frame):
        """Confidentiality went up or the user's role ended: nothing more reaches them."""
        self.access_lost = True
        await self.disconnect(CLOSE_NOT_ALLOWED)
        await self.close(code=CLOSE_NOT_ALLOWED)
