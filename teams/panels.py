"""The incident room's team panel: what it shows and who may change it. Registered with the
room (crisis.panels) and used by the team actions (teams.views) that answer with it."""

from django.utils.translation import gettext_lazy

from crisis import panels
from crisis.permissions import can_manage_team

from . import selectors
from .forms import RoleAssignForm
from .permissions import can_end_role

HISTORY_SHOWN = 30


def team_panel_context(request, incident, *, assign_form=None, team_error: str = "") -> dict:
    assignments = list(selectors.team_for(incident=incident, include_ended=True)
                       [:HISTORY_SHOWN + 200])
    current = [a for a in assignments if a.ended_at is None]
    for assignment in current:
        # The lead's row offers the hand-over instead (a lead is never simply ended).
        assignment.can_end = (not assignment.role.is_lead
                              and can_end_role(request.user, assignment))
    manage = can_manage_team(request.user, incident) and not incident.merged_into_id
    return {
        "incident": incident,
        "team": current,
        "team_history": [a for a in assignments if a.ended_at is not None][:HISTORY_SHOWN],
        "team_people": len({a.user_id for a in current}),
        "can_manage_team": manage,
        "team_assign_form": ((assign_form or RoleAssignForm(auto_id="id_team_%s"))
                             if manage else None),
        "team_error": team_error,
    }


def register() -> None:
    panels.register(panels.RoomPanel("team-panel", "teams/_team_panel.html", team_panel_context,
                                     position=100, label=gettext_lazy("Team")))
