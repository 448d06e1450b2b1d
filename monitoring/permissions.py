"""Who may see and do what in the early warning. Codenames are constants.

The alert board and alert pages are for those who hold ``monitoring.view_alert`` (granted
to Monitoring analysts, Crisis managers, Administrators and Executives); acting on an
alert takes ``monitoring.change_alert``. Mentions are personal posts: ``view_mention``."""

from crisis.permissions import is_active

VIEW_ALERT = "monitoring.view_alert"
CHANGE_ALERT = "monitoring.change_alert"
VIEW_MENTION = "monitoring.view_mention"
VIEW_WATCH = "monitoring.view_watch"


def can_view_alerts(user) -> bool:
    return is_active(user) and user.has_perm(VIEW_ALERT)


def can_change_alerts(user) -> bool:
    return can_view_alerts(user) and user.has_perm(CHANGE_ALERT)


def can_view_mentions(user) -> bool:
    return is_active(user) and user.has_perm(VIEW_MENTION)
