"""/ws/monitoring/: alert changes for those who may see the alert board.

Only carries messages: signed-in users holding ``monitoring.view_alert`` join the board's
group; each ``alert.changed`` (``monitoring.events``) is forwarded after the right is
checked again, so a socket whose right was taken away is closed (4403) on the next event,
or at once when the person's rights change (``core.live.access_changed``)."""

from channels.db import database_sync_to_async

from core.consumers import CLOSE_NOT_ALLOWED, LiveConsumer
from core.live import user_group

from .events import MONITORING_GROUP
from .permissions import can_view_alerts


class MonitoringConsumer(LiveConsumer):
    async def allowed_groups(self, user):
        if not await self.may_view_board():
            return None
        return [MONITORING_GROUP, user_group(user.pk)]

    @database_sync_to_async
    def may_view_board(self) -> bool:
        return can_view_alerts(self.fresh_user())

    async def may_view_frame(self, frame: dict) -> bool:
        return await self.may_view_board()

    async def access_changed(self, message):
        if not getattr(self, "access_lost", False) and not await self.may_view_board():
            await self.lost_access(None)

    async def lost_access(self, frame):
        self.access_lost = True
        await self.disconnect(CLOSE_NOT_ALLOWED)
        await self.close(code=CLOSE_NOT_ALLOWED)
