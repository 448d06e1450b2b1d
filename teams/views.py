"""Pages of teams: the incident room's team actions, my work, departments, the roster,
my notifications and my account settings.
Thin: forms validate input, one service call does the change."""

import copy
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.views import form_action, redirect_with_message
from crisis import selectors as incident_selectors
from crisis.permissions import can_manage_team

from . import selectors, services, work
from .choices import Duty
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
from .permissions import can_add_duty_shift, can_delete_duty_shift, can_end_role

ROSTER_DAYS = 14


def _room(incident) -> str:
    return incident.get_absolute_url() + "#team-panel"


def _team_action(request, incident, form, act, *, template: str, success, panel_form=None,
                 **context):
    """A team change from the room's team panel (htmx: the panel again, with the form's
    errors or the refusal) or from its own page; ``success(result)`` says what happened."""
    def panel(*, status: int, error: str = "", result=None):
        extra = {"assign_form": panel_form} if panel_form is not None and status != 200 else {}
        return render(request, "teams/_team_panel.html",
                      team_panel_context(request, incident, team_error=error, **extra),
                      status=status)

    return form_action(
        request, form, act,
        done=lambda result: redirect_with_message(request, _room(incident), success(result)),
        page=lambda status: render(request, template,
                                   {"incident": incident, "form": form, **context},
                                   status=status),
        panel=panel)


@login_required
@require_http_methods(["GET", "POST"])
def team_assign(request, pk: int):
    """Add someone to the team with a role: from the room's panel (htmx) or its own page."""
    incident = incident_selectors.incident_get(user=request.user, pk=pk)
    if not can_manage_team(request.user, incident):
        raise PermissionDenied(_("You may not change this incident's team."))
    form = RoleAssignForm(request.POST if request.method == "POST" else None,
                          auto_id="id_team_%s" if request.htmx else "id_%s")
    return _team_action(
        request, incident, form,
        lambda data: services.role_assign(actor=request.user, incident=incident, **data),
        template="teams/team_assign.html", panel_form=form,
        success=lambda assignment: _("%(name)s is now %(role)s.")
        % {"name": assignment.user, "role": assignment.role})


@login_required
@require_http_methods(["GET", "POST"])
def role_end(request, pk: int, assignment_pk: int):
    incident = incident_selectors.incident_get(user=request.user, pk=pk)
    assignment = (selectors.team_for(incident=incident).filter(pk=assignment_pk).first())
    if assignment is None:
        raise Http404("No such role on this incident.")
    form = RoleEndForm(request.POST if request.method == "POST" else None)
    if not form.is_valid() and not can_end_role(request.user, assignment):
        raise PermissionDenied(_("You may not change this incident's team."))
    response = _team_action(
        request, incident, form,
        lambda data: services.role_end(actor=request.user, assignment=assignment, **data),
        template="teams/role_end.html", assignment=assignment,
        success=lambda ended: _("%(name)s no longer holds %(role)s.")
        % {"name": ended.user, "role": ended.role})
    if (response.status_code == 302 and not request.htmx
            and not incident_selectors.may_view(user=request.user, incident=incident)):
        return redirect("home")  # stepped down from a confidential incident
    return response


@login_required
@require_http_methods(["GET", "POST"])
def lead_handover(request, pk: int):
    incident = incident_selectors.incident_get(user=request.user, pk=pk)
    if not can_manage_team(request.user, incident):
        raise PermissionDenied(_("You may not change this incident's team."))
    form = LeadHandoverForm(request.POST if request.method == "POST" else None)
    return form_action(
        request, form,
        lambda data: services.lead_handover(actor=request.user, incident=incident, **data),
        done=lambda assignment: redirect_with_message(
            request, _room(incident),
            _("%(name)s is now the incident lead.") % {"name": assignment.user}),
        page=lambda status: render(request, "teams/lead_handover.html",
                                   {"incident": incident, "form": form,
                                    "lead": selectors.current_lead(incident=incident)},
                                   status=status))


@login_required
@require_GET
def my_work(request):
    """Home: the incidents I have a role on and the tasks I own, most pressing first."""
    unread = selectors.notification_list(user=request.user).filter(read_at__isnull=True)
    return render(request, "teams/my_work.html", {
        **work.work_context(request),  # the sections higher apps add (teams.work)
        **selectors.my_work(user=request.user),
        "unread_notifications": list(unread[:5]),
        "unread_count": unread.count(),
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
    may_edit = can_add_duty_shift(request.user)
    if request.method == "POST" and "delete" in request.POST:
        shift = DutyShift.objects.filter(pk=_int(request.POST.get("delete"))).first()
        if not may_edit:
            raise PermissionDenied(_("You may not change the duty roster."))
        if shift is not None:
            services.duty_shift_delete(actor=request.user, shift=shift)
        return redirect_with_message(request, "roster", _("Shift removed from the roster."))
    if request.method == "POST" and not may_edit:
        raise PermissionDenied(_("You may not change the duty roster."))
    form = DutyShiftForm(request.POST if request.method == "POST" else None)

    def page(status: int):
        start = selectors.today() - datetime.timedelta(days=selectors.today().weekday())
        return render(request, "teams/roster.html", {
            "form": form if may_edit else None,
            "may_delete": can_delete_duty_shift(request.user),
            "shifts": list(selectors.roster(start=start, days=ROSTER_DAYS)),
            "start": start,
            "end": start + datetime.timedelta(days=ROSTER_DAYS - 1),
            "on_duty": {duty: list(selectors.on_duty(duty=duty)) for duty in Duty},
        }, status=status)

    return form_action(
        request, form, lambda data: services.duty_shift_create(actor=request.user, **data),
        done=lambda _shift: redirect_with_message(request, "roster",
                                                  _("Shift added to the roster.")),
        page=page)


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
    if landing := work.landing_for(notification):
        return redirect(landing)
    if notification.incident_id:
        return redirect(notification.incident.get_absolute_url())
    return redirect("notifications")


@login_required
@require_POST
def notifications_read(request):
    """Mark all my notifications read, or those named by ``ids``; back where I was."""
    form = NotificationReadForm(request.POST)

    def page(status: int):
        return _notifications_page(request, selectors.notification_list(user=request.user),
                                   show="all", form=form, status=status)

    def back(marked: int):
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = reverse("notifications")
        return redirect_with_message(
            request, back, ngettext("%(n)d notification marked read.",
                                    "%(n)d notifications marked read.", marked) % {"n": marked})

    return form_action(
        request, form,
        lambda data: services.notification_mark_read(user=request.user, ids=data["ids"]),
        done=back, page=page,
        panel=lambda *, status, error="", result=None: (
            HttpResponse(status=204) if status == 200 else page(status)))


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """My time zone, language and which notifications I also get by email."""
    # A copy: validating a ModelForm writes to its instance, and the page's header must
    # keep showing the saved settings when the form has errors.
    form = AccountForm(request.POST or None, instance=copy.copy(request.user))
    return form_action(
        request, form,
        lambda data: services.user_preferences_update(
            user=request.user, **{name: data[name] for name in form.changed_data}),
        done=lambda user: _account_saved(request, user, form.changed_data),
        page=lambda status: render(request, "teams/account.html", {"form": form},
                                   status=status))


def _account_saved(request, user, changed: list[str]):
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        messages.success(request, _("Your settings are saved."))
    response = redirect("account")
    if "language" in changed:
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
