"""The live events comms adds to an incident's stream, declared once (see crisis.events):
one builder per type, its payload's shape, registered in ``CommsConfig.ready()``."""

from enum import StrEnum

from crisis.events import Event


class CommsEventType(StrEnum):
    STATEMENT_CHANGED = "statement.changed"
    PUBLISHING_FREEZE_CHANGED = "publishing_freeze.changed"
    MEDIA_INQUIRY_CHANGED = "media_inquiry.changed"
    DELIVERY_CHANGED = "delivery.changed"


def statement_changed(statement, *, action: str) -> Event:
    # The incident list feed hears of it too: the approval queue listens there for
    # statements leaving a reviewer's queue (decided by another, edited, withdrawn).
    return Event(CommsEventType.STATEMENT_CHANGED,
                 {"id": statement.pk, "action": action, "status": statement.status,
                  "version": statement.current_version, "kind": statement.kind},
                 to_list=True)


def freeze_changed(freeze, *, action: str) -> Event:
    return Event(CommsEventType.PUBLISHING_FREEZE_CHANGED,
                 {"id": freeze.pk, "action": action,
                  "organisation_wide": freeze.incident_id is None,
                  "active": freeze.lifted_at is None})


def media_inquiry_changed(inquiry, *, action: str) -> Event:
    return Event(CommsEventType.MEDIA_INQUIRY_CHANGED,
                 {"id": inquiry.pk, "action": action, "status": inquiry.status,
                  "overdue": inquiry.is_overdue})


def delivery_changed(publication, *, counts: dict[str, int]) -> Event:
    """A publication's deliveries moved on: its counts per status, once per batch
    (``updated`` names the publication, so its page listens for its own)."""
    return Event(CommsEventType.DELIVERY_CHANGED,
                 {"publication": publication.pk, "statement": publication.statement_id,
                  "counts": counts, "updated": [publication.pk]})


EVENT_SCHEMAS = {
    CommsEventType.STATEMENT_CHANGED: {"id": int, "action": str, "status": str, "version": int,
                                       "kind": str},
    CommsEventType.PUBLISHING_FREEZE_CHANGED: {"id": int, "action": str,
                                               "organisation_wide": bool, "active": bool},
    CommsEventType.MEDIA_INQUIRY_CHANGED: {"id": int, "action": str, "status": str,
                                           "overdue": bool},
    CommsEventType.DELIVERY_CHANGED: {"publication": int, "statement": int, "counts": dict,
                                      "updated": list},
}
