"""/ws/notifications/: the signed-in user's own notifications, live.

Only carries messages: on connect the unread count and the latest few; then every
``notification.created`` / ``notification.read`` the services tell this user
(``core.live.tell_user``). The one thing a client may ask is to mark notifications read,
which goes through the same service as the pages and the API."""

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from core import live
from core.consumers import CLOSE_NOT_ALLOWED, LiveConsumer

from . import selectors, services

READ_FRAME_KEYS = frozenset({"type", "ids", "all"})


class NotificationConsumer(LiveConsumer):
    """One user's stream; nobody else's socket joins their group."""

    async def allowed_groups(self, user):
        return [live.user_group(user.pk)]

    async def connected(self):
        await self.send_json(await self.state_frame())

    def client_frames(self) -> dict:
        return {"ping": self.on_ping, "notifications.read": self.mark_read}

    async def mark_read(self, content: dict):
        unknown = sorted(set(content) - READ_FRAME_KEYS)
        if unknown:
            await self.send_error(unknown[0], _("Unknown field."))
            return
        try:
            ids = services.check_notification_read(ids=content.get("ids"),
                                                   every=content.get("all"))
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            await self.send_error(field, messages[0])
            return
        marked, unread = await self.mark(ids)
        await self.send_json({"type": "notifications.marked", "marked": marked,
                              "unread": unread})

    async def user_frame(self, message):
        """A frame from ``core.live.tell_user`` for this user: forward it as it is."""
        await self.send_json(message["frame"])

    async def access_changed(self, message):
        """The user's rights changed (``core.live.access_changed``): what they may see of
        their notifications may have too, so the bell is redrawn; a deactivated account's
        socket is closed."""
        if not await self.still_active():
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        await self.send_json(await self.state_frame())

    @database_sync_to_async
    def still_active(self) -> bool:
        return self.fresh_user().is_active

    @database_sync_to_async
    def mark(self, ids):
        user = self.scope["user"]
        marked = services.notification_mark_read(user=user, ids=ids)
        return marked, selectors.notification_unread_count(user=user)

    @database_sync_to_async
    def state_frame(self) -> dict:
        user = self.scope["user"]
        with translation.override(user.email_language):
            latest = selectors.notification_list(user=user)[:selectors.LATEST_NOTIFICATIONS]
            return {"type": "notifications.state",
                    "unread": selectors.notification_unread_count(user=user),
                    "latest": [selectors.notification_frame(n) for n in latest]}

