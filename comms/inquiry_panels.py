"""The incident room's Media inquiries panel (registered with crisis.panels): open ones
first, overdue flagged, with the form to log one for those who may; and how inquiry
entries read in the room's timeline."""

from django.utils.translation import gettext, gettext_lazy

from crisis import panels
from crisis.choices import IncidentStatus, TimelineKind
from crisis.timeline import write_headlines

from . import media
from .inquiry_choices import OPEN_INQUIRY_STATUSES, InquiryStatus
from .inquiry_forms import InquiryForm
from .panels import statement_headline

PANEL_ID = "media-inquiries-panel"
CLOSED_SHOWN = 5  # every open inquiry is shown; of the answered and declined, the latest


def inquiries_panel_context(request, incident, *, form: InquiryForm | None = None,
                            error: str = "") -> dict:
    inquiries = media.inquiry_list(user=request.user, incident=incident)
    shown = list(media.open_first(inquiries.filter(status__in=OPEN_INQUIRY_STATUSES)))
    closed = list(media.open_first(inquiries.exclude(status__in=OPEN_INQUIRY_STATUSES))
                  [:CLOSED_SHOWN + 1])
    closed_more = 0
    if len(closed) > CLOSED_SHOWN:
        closed_more = inquiries.exclude(status__in=OPEN_INQUIRY_STATUSES).count() - CLOSED_SHOWN
    may_log = (media.can_work_inquiries(request.user, incident)
               and not incident.merged_into_id and incident.status != IncidentStatus.CLOSED)
    return {
        "incident": incident,
        "inquiries_shown": shown + closed[:CLOSED_SHOWN],
        "inquiries_open": len(shown),
        "inquiries_closed_more": closed_more,
        "can_log_inquiry": may_log,
        "inquiry_form": (form or InquiryForm(incident=incident, auto_id="id_inquiry_%s"))
        if may_log else None,
        "inquiry_form_open": form is not None,
        "inquiry_error": error,
    }


# --- the room's timeline: how inquiry entries read --------------------------------------------

def inquiry_headline(data: dict) -> str:
    """The line an inquiry entry (``comms.inquiry_services._record``) reads as, in the
    reader's language."""
    values = {"outlet": data.get("outlet", "")}
    if data.get("action") == "inquiry_logged":
        return gettext("Media inquiry from %(outlet)s logged") % values
    parts = []
    if data.get("to"):
        try:
            status = str(InquiryStatus(data["to"]).label)
        except ValueError:
            status = data["to"]
        parts.append(gettext("now %(status)s") % {"status": status})
    if "assignee" in data:
        parts.append(gettext("assigned to %(person)s") % {"person": data["assignee"]}
                     if data["assignee"] else gettext("unassigned"))
    if data.get("answer_title"):
        parts.append(gettext("answered with “%(title)s”") % {"title": data["answer_title"]})
    if not parts:
        return gettext("Media inquiry from %(outlet)s updated") % values
    return gettext("Media inquiry from %(outlet)s: %(changes)s") % {
        **values, "changes": "; ".join(parts)}


def comms_headline(data: dict) -> str:
    """Statement entries and inquiry entries share the kind; each reads its own way."""
    return inquiry_headline(data) if "inquiry" in data else statement_headline(data)


def register() -> None:
    """After ``comms.panels.register()`` (it writes the statement headlines this wraps)."""
    write_headlines(TimelineKind.STATEMENT, comms_headline)
    panels.register(panels.RoomPanel(PANEL_ID, "comms/inquiries/_panel.html",
                                     inquiries_panel_context, position=160,
                                     label=gettext_lazy("Media inquiries"), lazy=True))
