"""The notification bell in every page's header."""

from django.utils.functional import cached_property

from .choices import NotificationKind
from .selectors import LATEST_NOTIFICATIONS, notification_list, notification_unread_count


def with_icons(notifications) -> list:
    """The notifications, each with the ``icon`` of its kind for the templates."""
    notifications = list(notifications)
    for notification in notifications:
        notification.icon = NotificationKind(notification.kind).icon
    return notifications


class NotificationBell:
    """Read only when a template shows the bell (htmx partials never touch it)."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def unread(self) -> int:
        return notification_unread_count(user=self.user)

    @cached_property
    def latest(self) -> list:
        return with_icons(notification_list(user=self.user)[:LATEST_NOTIFICATIONS])

    @cached_property
    def kinds(self) -> dict[str, dict]:
        """Labels and icons in the page's language, for notifications.js."""
        return {kind.value: {"label": str(kind.label), "icon": kind.icon}
                for kind in NotificationKind}


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_bell": NotificationBell(user)}
