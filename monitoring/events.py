"""The early warning's live events, declared once: what ``/ws/monitoring/`` sends.

One global stream for everyone who may see the alert board (not numbered: a page that
reconnects or misses a frame draws the board again from the server). Each change of an
alert (opened, level up or down, acknowledged, dismissed, escalated, attached to an
incident) is one ``alert.changed`` frame, sent after the change commits:

    {"type": "alert.changed",
     "data": {"id": 12, "watch": 3, "level": "red", "peak_level": "red",
              "status": "open", "incident": null}}
"""

from enum import StrEnum

from core import live

MONITORING_GROUP = "monitoring.alerts"


class MonitoringEventType(StrEnum):
    ALERT_CHANGED = "alert.changed"


ALERT_CHANGED_KEYS = frozenset({"id", "watch", "level", "peak_level", "status", "incident"})


def alert_changed_frame(alert) -> dict:
    return {"type": MonitoringEventType.ALERT_CHANGED.value,
            "data": {"id": alert.pk, "watch": alert.watch_id, "level": alert.level,
                     "peak_level": alert.peak_level, "status": alert.status,
                     "incident": alert.incident_id}}


def alert_changed(alert) -> None:
    """Tell the board that ``alert`` changed, once the transaction commits (call inside
    the service that changed it)."""
    live.broadcast_on_commit([MONITORING_GROUP], alert_changed_frame(alert))
