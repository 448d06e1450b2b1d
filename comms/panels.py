"""The incident room's Statements panel (registered with crisis.panels): the incident's
statements, newest first, with where each stands and whom it waits for. The statement
list page shows the same summary per row (``review_summaries``)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.text import join_list
from crisis import panels
from crisis.choices import TimelineKind
from crisis.timeline import write_headlines
from teams.models import Role

from . import policy, selectors
from .choices import Decision, StatementKind, StatementStatus
from .models import ApprovalDecision, ReviewStage
from .permissions import can_draft

PANEL_SHOWN = 8


@dataclass
class ReviewSummary:
    """Where a statement's review stands, in a line: the stages it waits for now."""

    waiting_for: list[str] = field(default_factory=list)  # "Legal review (Legal reviewer)"
    due_at: datetime | None = None
    overdue: bool = False


def review_summaries(statements) -> dict[int, ReviewSummary]:
    """A ``ReviewSummary`` per statement (id), in a fixed number of queries: the open
    stages of the current round on the current version, for those in review."""
    summaries = {statement.pk: ReviewSummary() for statement in statements}
    waiting = {s.pk: s for s in statements if s.status == StatementStatus.IN_REVIEW}
    if not waiting:
        return summaries
    stages: dict[int, list[ReviewStage]] = {}
    for stage in ReviewStage.objects.filter(statement_id__in=waiting,
                                            round=F("statement__review_round")
                                            ).order_by("position"):
        stages.setdefault(stage.statement_id, []).append(stage)
    progress = {pk: policy.Progress(stages=stage_list) for pk, stage_list in stages.items()}
    for statement_id, stage_id, decider_id in ApprovalDecision.objects.filter(
            statement_id__in=waiting, decision=Decision.APPROVE,
            version_number=F("statement__current_version"),
            stage__round=F("statement__review_round")).values_list(
                "statement_id", "stage_id", "decider_id"):
        progress[statement_id].approvals.setdefault(stage_id, set()).add(decider_id)
    roles = dict(Role.objects.filter(code__in={code for stage_list in stages.values()
                                               for stage in stage_list
                                               for code in stage.role_codes})
                 .values_list("code", "name"))
    now = timezone.now()
    for statement_id, stage_progress in progress.items():
        summary = summaries[statement_id]
        for stage in stage_progress.open_stages:
            who = join_list(gettext(roles.get(code, code)) for code in stage.role_codes)
            if not who and stage.capability:
                who = gettext(stage.capability)
            summary.waiting_for.append(
                gettext("%(stage)s (%(who)s)") % {"stage": stage, "who": who} if who
                else str(stage))
        dues = [stage.due_at for stage in stage_progress.open_stages if stage.due_at]
        summary.due_at = min(dues) if dues else None
        summary.overdue = bool(summary.due_at and summary.due_at < now)
    return summaries


def statements_panel_context(request, incident) -> dict:
    statements = list(selectors.statement_list(user=request.user, incident=incident)
                      .order_by("-created_at", "-pk")[:PANEL_SHOWN + 1])
    shown = statements[:PANEL_SHOWN]
    summaries = review_summaries(shown)
    return {
        "incident": incident,
        "statements_shown": [(statement, summaries[statement.pk]) for statement in shown],
        "statements_more": len(statements) > PANEL_SHOWN,
        "statements_freeze": selectors.freeze_applying(incident=incident),
        "can_draft_statement": (can_draft(request.user, incident)
                                and not incident.merged_into_id),
    }


# --- the room's timeline: how statement entries read ------------------------------------------

def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def statement_headline(data: dict) -> str:
    """The line a statement entry (``comms.services._record``) reads as in the timeline,
    in the reader's language, from its data."""
    action = data.get("action")
    if action in ("frozen", "lifted"):
        everywhere = data.get("organisation_wide")
        if action == "frozen":
            return gettext("Publishing frozen everywhere") if everywhere \
                else gettext("Publishing frozen in this incident")
        return gettext("Publishing freeze lifted everywhere") if everywhere \
            else gettext("Publishing freeze lifted in this incident")
    values = {"title": data.get("title", ""), "kind": _label(StatementKind, data.get("kind")),
              "version": data.get("version", ""), "stage": gettext(data.get("stage") or "—"),
              "to": _label(StatementStatus, data.get("to"))}
    decision = data.get("decision")
    lines = {
        "created": gettext("%(kind)s “%(title)s” drafted"),
        "edited": gettext("“%(title)s”: version %(version)s saved"),
        "submitted": gettext("“%(title)s” (version %(version)s) sent for approval"),
        "withdrawn": gettext("“%(title)s” withdrawn"),
        "published": gettext("“%(title)s” (version %(version)s) published"),
        "superseded": gettext("“%(title)s” superseded by a correction"),
        "commented": gettext("Comment on “%(title)s” (version %(version)s)"),
        "overdue": gettext("“%(title)s”: the stage “%(stage)s” is overdue"),
        "delivery_resent": gettext("“%(title)s” (version %(version)s): a failed delivery "
                                   "sent again by hand"),
        "scheduled": gettext("“%(title)s” (version %(version)s) scheduled for publication"),
        "schedule_cancelled": gettext("“%(title)s”: the scheduled publication cancelled"),
        "schedule_failed": gettext("“%(title)s” (version %(version)s) not published at its "
                                   "scheduled time"),
    }
    if action == "decided":
        line = {
            Decision.APPROVE: gettext("“%(title)s” (version %(version)s) approved at "
                                      "“%(stage)s”"),
            Decision.REJECT: gettext("“%(title)s” (version %(version)s) rejected at "
                                     "“%(stage)s”"),
            Decision.REQUEST_CHANGES: gettext("Changes requested on “%(title)s” (version "
                                              "%(version)s) at “%(stage)s”"),
        }.get(decision, gettext("“%(title)s”: decision at “%(stage)s”"))
    else:
        line = lines.get(action, gettext("“%(title)s” changed"))
    line %= values
    if action in ("edited", "decided") and data.get("to"):
        line += " " + gettext("(now %(status)s)") % {"status": values["to"]}
    return line


def register() -> None:
    write_headlines(TimelineKind.STATEMENT, statement_headline)
    panels.register(panels.RoomPanel("statements-panel", "comms/_statements_panel.html",
                                     statements_panel_context, position=150,
                                     label=gettext_lazy("Statements")))
