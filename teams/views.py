"""Pages of teams: the incident room's team actions, my work, departments and the roster.
Thin: forms validate input, one service call does the change."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crisis import selectors as incident_selectors
from crisis.choices import UNFINISHED_TASK_STATUSES, IncidentStatus
from crisis.errors import ConflictError
from crisis.permissions import can_manage_team

from . import selectors, services
from .forms import DutyShiftForm, LeadHandoverForm, RoleAssignForm, RoleEndForm
from .models import DutyShift
from .panels import team_panel_context

ROSTER_DAYS = 14


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _panel(request, incident, *, status: int = 200, **extra):
    return render(request, "teams/_team_panel.html",
                  team_panel_context(request, incident, **extra), status=status)


def _room(incident):
    return redirect(incident.get_absolute_url() + "#team-panel")


def _action_page(request, template, incident, form, status=None, **extra):
    return render(request, template, {"incident": incident, "form": form, **extra},
                  status=status or (400 if form.errors else 200))


@login_required
@require_http_methods(["GET", "POST"])
def team_assign(request, pk: int):
    """Add someone to the team with a role: from the room's panel (htmx) or its own page."""
    incident = incident_selectors.incident_get(user=request.user, pk=pk)
    if not can_manage_team(request.user, incident):
        raise PermissionDenied(_("You may not change this incident's team."))
    htmx = _is_htmx(request)
    form = RoleAssignForm(request.POST if request.method == "POST" else None,
                          auto_id="id_team_%s" if htmx else "id_%s")
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.role_assign(actor=request.user, incident=incident,
                                              **form.cleaned_data)
        except ConflictError as error:
            if htmx:
                return _panel(request, incident, status=409, assign_form=form,
                              team_error=error.message)
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if htmx:
                return _panel(request, incident)
            messages.success(request, _("%(name)s is now %(role)s.")
                             % {"name": assignment.user, "role": assignment.role})
            return _room(incident)
    if htmx:
        return _panel(request, incident, status=400, assign_form=form)
    return _action_page(request, "teams/team_assign.html", incident, form)


@login_required
@require_http_methods(["GET", "POST"])
def role_end(request, pk: int, assignment_pk: int):
    incident = incident_selectors.incident_get(user=request.user, pk=pk)
    assignment = (selectors.team_for(incident=incident).filter(pk=assignment_pk).first())
    if assignment is None:
        raise Http404("No such role on this incident.")
    htmx = _is_htmx(request)
    form = RoleEndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_end(actor=request.user, assignment=assignment, **form.cleaned_data)
        except ConflictError as error:
            if htmx:
                return _panel(request, incident, status=409, team_error=error.message)
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if htmx:
                return _panel(request, incident)
            messages.success(request, _("%(name)s no longer holds %(role)s.")
                             % {"name": assignment.user, "role": assignment.role})
            if not incident_selectors.may_view(user=request.user, incident=incident):
                return redirect("home")  # stepped down from a confidential incident
            return _room(incident)
    elif not (can_manage_team(request.user, incident) or assignment.user_id == request.user.pk):
        raise PermissionDenied(_("You may not change this incident's team."))
    return _action_page(request, "teams/role_end.html", incident, form, assignment=assignment)


@login_required
@require_http_methods(["GET", "POST"])
def lead_handover(request, pk: int):
    incident = incident_selectors.incident_get(user=request.user, pk=pk)
    if not can_manage_team(request.user, incident):
        raise PermissionDenied(_("You may not change this incident's team."))
    form = LeadHandoverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.lead_handover(actor=request.user, incident=incident,
                                                **form.cleaned_data)
        except ConflictError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("%(name)s is now the incident lead.")
                             % {"name": assignment.user})
            return _room(incident)
    return _action_page(request, "teams/lead_handover.html", incident, form,
                        lead=selectors.current_lead(incident=incident))


@login_required
@require_GET
def my_work(request):
    """Home: the incidents I have a role on and the tasks I own, most pressing first."""
    visible = incident_selectors.incident_list(user=request.user)
    roles = [a for a in selectors.my_assignments(user=request.user)
             if incident_selectors.may_view(user=request.user, incident=a.incident)]
    mine: dict[int, dict] = {}
    for assignment in roles:
        entry = mine.setdefault(assignment.incident_id,
                                {"incident": assignment.incident, "roles": []})
        entry["roles"].append(assignment)
    my_incidents = sorted(mine.values(), key=lambda e: (
        e["incident"].status == IncidentStatus.CLOSED, -e["incident"].created_at.timestamp()))
    tasks = (incident_selectors.task_list(user=request.user)
             .filter(owner=request.user, status__in=UNFINISHED_TASK_STATUSES)
             .order_by("due_at", "pk")[:100])
    open_elsewhere = (visible.exclude(Q(status=IncidentStatus.CLOSED) | Q(pk__in=list(mine)))
                      [:10])
    return render(request, "teams/my_work.html", {
        "my_incidents": my_incidents,
        "my_tasks": list(tasks),
        "open_elsewhere": list(open_elsewhere),
        "now": datetime.datetime.now(datetime.UTC),
    })


@login_required
@require_GET
def department_list(request):
    return render(request, "teams/department_list.html",
                  {"departments": selectors.department_list()})


@login_required
@require_http_methods(["GET", "POST"])
def roster(request):
    """Who is on duty, this week and next; crisis managers keep it here."""
    may_edit = request.user.has_perm("teams.add_dutyshift")
    form = DutyShiftForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("You may not change the duty roster."))
        if "delete" in request.POST:
            if not request.user.has_perm("teams.delete_dutyshift"):
                raise PermissionDenied(_("You may not change the duty roster."))
            DutyShift.objects.filter(pk=_int(request.POST.get("delete"))).delete()
            messages.success(request, _("Shift removed from the roster."))
            return redirect("roster")
        if form.is_valid():
            form.save()
            messages.success(request, _("Shift added to the roster."))
            return redirect("roster")
    start = selectors.today() - datetime.timedelta(days=selectors.today().weekday())
    shifts = list(selectors.roster(start=start, days=ROSTER_DAYS))
    return render(request, "teams/roster.html", {
        "form": form if may_edit else None,
        "may_delete": request.user.has_perm("teams.delete_dutyshift"),
        "shifts": shifts,
        "start": start,
        "end": start + datetime.timedelta(days=ROSTER_DAYS - 1),
        "on_duty": {duty: list(selectors.on_duty(duty=duty)) for duty in ("monitoring",
                                                                          "crisis_lead")},
    }, status=400 if form.errors else 200)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
