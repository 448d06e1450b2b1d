"""What the API tests share: a snapshot of everything a write could touch."""

from crisis.models import (
    ChecklistItem,
    Incident,
    LiveEvent,
    Task,
    TaskComment,
    TimelineEntry,
)


def db_state() -> dict:
    """Every row a refused or rejected write must leave alone."""
    return {
        "incidents": list(Incident.objects.order_by("pk").values()),
        "entries": list(TimelineEntry.objects.order_by("pk").values()),
        "tasks": list(Task.objects.order_by("pk").values()),
        "checklist": list(ChecklistItem.objects.order_by("pk").values()),
        "comments": list(TaskComment.objects.order_by("pk").values()),
        "events": list(LiveEvent.objects.order_by("pk").values_list("pk", flat=True)),
    }
