"""The incident room's Stakeholders panel (registered with crisis.panels): each group on
the incident's map with its priority, owner, cadence, last update and next update due
(overdue flagged), the edit form and "Update given" for those who may; and how the map's
timeline entries read. ``register()`` also wires the map's live event, its reaction to a
published statement and its periodic task."""

from django.utils.translation import gettext, gettext_lazy

from core.frames import register_frames
from crisis import panels
from crisis.choices import IncidentStatus, TimelineKind
from crisis.events import register_event_schemas
from crisis.timeline import headline_writer, write_headlines

from . import hooks
from .stakeholder_map import can_manage_stakeholders, map_entries
from .stakeholder_map_choices import StakeholderPriority, UpdateCadence
from .stakeholder_map_events import EVENT_SCHEMAS, StakeholderMapEventType
from .stakeholder_map_forms import StakeholderEntryForm

PANEL_ID = "stakeholders-panel"
TEMPLATE = "comms/stakeholder_map/_panel.html"


def entry_form(incident, entry, *, data=None) -> StakeholderEntryForm:
    initial = {"affected": entry.affected, "priority": entry.priority,
               "owner": entry.owner.pk if entry.owner else None,
               "cadence_minutes": entry.cadence_minutes}
    return StakeholderEntryForm(data, incident=incident, initial=initial,
                                auto_id=f"id_stakeholder_{entry.group.pk}_%s")


def stakeholders_panel_context(request, incident, *, form: StakeholderEntryForm | None = None,
                               form_group: int | None = None, error: str = "") -> dict:
    entries = map_entries(incident=incident)
    may_manage = (can_manage_stakeholders(request.user, incident)
                  and not incident.merged_into_id and incident.status != IncidentStatus.CLOSED)
    if may_manage:
        for entry in entries:
            bound = form is not None and form_group == entry.group.pk
            entry.form = form if bound else entry_form(incident, entry)
            entry.form_open = bound
    return {
        "incident": incident,
        "stakeholder_entries": entries,
        "stakeholders_overdue": sum(1 for e in entries if e.is_overdue),
        "can_manage_stakeholders": may_manage,
        "stakeholders_error": error,
    }


# --- the room's timeline: how map entries read --------------------------------------------

def stakeholder_headline(data: dict) -> str:
    """The line a map entry (``comms.stakeholder_map_services._record``) reads as."""
    values = {"group": gettext(data.get("group", ""))}
    action = data.get("action")
    if action == "stakeholder_update_given":
        return gettext("Update given to %(group)s") % values
    if action == "stakeholder_overdue":
        return gettext("Update to %(group)s overdue; %(person)s was told") % {
            **values, "person": data.get("owner", "")}
    parts = []
    if "affected" in data:
        parts.append(gettext("affected") if data["affected"] else gettext("not affected"))
    if data.get("priority"):
        try:
            priority = str(StakeholderPriority(data["priority"]).label)
        except ValueError:
            priority = data["priority"]
        parts.append(gettext("priority %(priority)s") % {"priority": priority.lower()})
    if "owner" in data:
        parts.append(gettext("owned by %(person)s") % {"person": data["owner"]}
                     if data["owner"] else gettext("no owner"))
    if data.get("cadence"):
        try:
            cadence = str(UpdateCadence(data["cadence"]).label)
        except ValueError:
            cadence = str(data["cadence"])
        parts.append(cadence.lower())
    if not parts:
        return gettext("Stakeholder map: %(group)s updated") % values
    return gettext("Stakeholder map: %(group)s: %(changes)s") % {
        **values, "changes": "; ".join(parts)}


def register() -> None:
    """Last in ``CommsConfig.ready()``: it wraps the statement kind's headlines written by
    the Statements and Media inquiries panels."""
    from . import stakeholder_map_tasks  # noqa: F401  (a worker learns the periodic task)
    from .stakeholder_map_services import statement_published_updates

    register_frames(StakeholderMapEventType)
    register_event_schemas(EVENT_SCHEMAS)
    earlier = headline_writer(TimelineKind.STATEMENT)
    write_headlines(TimelineKind.STATEMENT,
                    lambda data: stakeholder_headline(data) if "stakeholder_group" in data
                    else earlier(data))

    def published(sender, statement, publication=None, **kwargs):
        statement_published_updates(statement=statement, publication=publication)

    hooks.statement_published.connect(published, weak=False,
                                      dispatch_uid="comms.stakeholder_map.published")
    panels.register(panels.RoomPanel(PANEL_ID, TEMPLATE, stakeholders_panel_context,
                                     position=170, label=gettext_lazy("Stakeholders"),
                                     lazy=True))
