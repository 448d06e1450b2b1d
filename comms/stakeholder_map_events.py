"""The live event of the stakeholder map, declared once (see crisis.events) and registered
with its frame name in ``stakeholder_map_panels.register()``."""

from enum import StrEnum

from crisis.events import Event


class StakeholderMapEventType(StrEnum):
    STAKEHOLDERS_CHANGED = "stakeholders.changed"


def stakeholders_changed(row, *, action: str) -> Event:
    return Event(StakeholderMapEventType.STAKEHOLDERS_CHANGED,
                 {"group": row.group_id, "action": action, "overdue": row.is_overdue})


EVENT_SCHEMAS = {
    StakeholderMapEventType.STAKEHOLDERS_CHANGED: {"group": int, "action": str,
                                                   "overdue": bool},
}
