"""The incident's live event types, declared once (see core.frames)."""

from enum import StrEnum


class EventType(StrEnum):
    INCIDENT_CREATED = "incident.created"
    INCIDENT_UPDATED = "incident.updated"
    TIMELINE_APPENDED = "timeline.appended"
    TIMELINE_PINNED = "timeline.pinned"
    TASK_CHANGED = "task.changed"
    TEAM_CHANGED = "team.changed"
