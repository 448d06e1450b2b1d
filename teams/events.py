"""The notification stream's frame types, declared once (see core.frames)."""

from enum import StrEnum


class NotificationFrame(StrEnum):
    NOTIFICATIONS_STATE = "notifications.state"  # on connect: unread count and the latest
    NOTIFICATION_CREATED = "notification.created"
    NOTIFICATION_READ = "notification.read"  # read elsewhere (another tab, the API)
    NOTIFICATIONS_READ = "notifications.read"  # the client asks to mark some read
    NOTIFICATIONS_MARKED = "notifications.marked"  # ... and is answered
