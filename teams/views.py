"""Pages of teams: the incident room's team actions, my work, departments, the roster,
my notifications and my account settings.
Thin: forms validate input, one service call does the change."""

import copy
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ConflictError
from crisis import selectors as incident_selectors
from crisis.choices import UNFINISHED_TASK_STATUSES, IncidentStatus
from crisis.permissions import can_manage_team

from . import selectors, services
from .context_processors import with_icons
from .forms import (
    AccountForm,
    DutyShiftForm,
    LeadHandoverForm,
    NotificationReadForm,
    RoleAssignForm,
    RoleEndForm,
)
from .models import DutyShift
from .panels import team_panel_context
from .permissions import can_end_role

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
    elif not can_end_role(request.user, assignment):
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
    unread = selectors.notification_list(user=request.user).filter(read_at__isnull=True)
    return render(request, "teams/my_work.html", {
        "unread_notifications": list(unread[:5]),
        "unread_count": unread.count(),
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


# --- notifications and account ---------------------------------------------------------------

NOTIFICATIONS_PAGE_SIZE = 25


@login_required
@require_GET
def notification_list(request):
    """My notifications, newest first; unread ones stand out. ``?show=unread`` filters."""
    show = "unread" if request.GET.get("show") == "unread" else "all"
    notifications = selectors.notification_list(user=request.user)
    if show == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    return _notifications_page(request, notifications, show=show)


def _notifications_page(request, notifications, *, show: str, form=None, status: int = 200):
    page = Paginator(notifications, NOTIFICATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_icons(page.object_list)
    return render(request, "teams/notification_list.html", {
        "page": page,
        "show": show,
        "unread": selectors.notification_unread_count(user=request.user),
        "form": form,
    }, status=status)


@login_required
@require_GET
def notification_open(request, pk: int):
    """Follow a notification: it is read now, and I land on its incident."""
    notification = selectors.notification_list(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    services.notification_mark_read(user=request.user, ids=[notification.pk])
    if notification.incident_id:
        return redirect(notification.incident.get_absolute_url())
    return redirect("notifications")


@login_required
@require_POST
def notifications_read(request):
    """Mark all my notifications read, or those named by ``ids``; back where I was."""
    form = NotificationReadForm(request.POST)
    if not form.is_valid():
        return _notifications_page(request, selectors.notification_list(user=request.user),
                                   show="all", form=form, status=400)
    ids = form.cleaned_data["ids"]  # None: all of them
    marked = services.notification_mark_read(user=request.user, ids=ids)
    if _is_htmx(request):
        return HttpResponse(status=204)
    messages.success(request, ngettext("%(n)d notification marked read.",
                                       "%(n)d notifications marked read.", marked)
                     % {"n": marked})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("notifications")
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """My time zone, language and which notifications I also get by email."""
    # A copy: validating a ModelForm writes to its instance, and the page's header must
    # keep showing the saved settings when the form has errors.
    form = AccountForm(request.POST or None, instance=copy.copy(request.user))
    if request.method == "POST" and form.is_valid():
        user = request.user
        try:
            services.user_preferences_update(user=user, **{
                name: form.cleaned_data[name] for name in form.changed_data})
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            language = user.language or settings.LANGUAGE_CODE
            with translation.override(language):
                messages.success(request, _("Your settings are saved."))
            response = redirect("account")
            if "language" in form.changed_data:
                # The language switcher's cookie would otherwise keep the old choice.
                if user.language:
                    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language,
                                        max_age=settings.LANGUAGE_COOKIE_AGE,
                                        path=settings.LANGUAGE_COOKIE_PATH,
                                        domain=settings.LANGUAGE_COOKIE_DOMAIN,
                                        secure=settings.LANGUAGE_COOKIE_SECURE,
                                        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                                        samesite=settings.LANGUAGE_COOKIE_SAMESITE)
                else:
                    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME,
                                           path=settings.LANGUAGE_COOKIE_PATH,
                                           domain=settings.LANGUAGE_COOKIE_DOMAIN)
            return response
    return render(request, "teams/account.html", {"form": form},
                  status=400 if form.errors else 200)
