"""The alert board (``/monitoring/``) and the alert page: thin views over
``monitoring.board_selectors`` for reading and ``monitoring.alerts`` for every action.

The board is drawn whole on first load; htmx asks for one part again by its id (HX-Target:
``alert-board`` when an ``alert.changed`` frame arrives, ``mention-stream`` when the
filters change or a page is turned)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.views import form_action, redirect_with_message
from crisis import selectors as crisis_selectors
from crisis.permissions import can_create_incident

from . import alerts, board_selectors
from .alert_selectors import alert_get
from .board_filters import MentionStreamFilter
from .board_forms import NEW_INCIDENT, DismissForm, EscalateForm
from .choices import ACTIVE_ALERT_STATUSES
from .ingest_api import can_import
from .permissions import can_change_alerts, can_view_alerts, can_view_mentions

MENTIONS_PER_PAGE = 25
TOP_EVIDENCE = 10


def _require_board(user) -> None:
    if not can_view_alerts(user):
        raise PermissionDenied(_("The alert board is for monitoring analysts."))


def _require_actions(user) -> None:
    """Before the form is read: someone who may only look is refused (403), whatever they
    sent, rather than told what a form they cannot use lacks (400)."""
    _require_board(user)
    if not can_change_alerts(user):
        raise PermissionDenied(alerts.may_not_act())


def _actions_context(user) -> dict:
    may_change = can_change_alerts(user)
    return {
        "can_change_alerts": may_change,
        "can_open_incident": may_change and can_create_incident(user),
        "attachable_incidents": (board_selectors.attachable_incidents(user=user)
                                 if may_change else []),
        "new_incident": NEW_INCIDENT,
    }


def _alerts_context(request) -> dict:
    active = board_selectors.active_alerts(user=request.user)
    return {"alert_levels": board_selectors.alerts_by_level(active), "alert_count": len(active),
            **_actions_context(request.user)}


def _mentions_context(request) -> dict:
    if not can_view_mentions(request.user):
        return {"can_view_mentions": False}
    stream = MentionStreamFilter(request.GET or None,
                                 queryset=board_selectors.mention_stream(user=request.user))
    mentions = stream.qs if stream.is_bound and stream.is_valid() else stream.queryset
    page = Paginator(mentions, MENTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return {"can_view_mentions": True, "mention_filter": stream, "mention_page": page,
            "mentions_filtered": any(v for k, v in request.GET.items() if k != "page"),
            "can_import_mentions": can_import(request.user)}


def _filter_status(mentions: dict) -> int:
    """400 when a filter of the mention stream could not be applied (the page says which)."""
    stream = mentions.get("mention_filter")
    return 400 if stream is not None and stream.is_bound and stream.errors else 200


@login_required
@require_GET
def board(request):
    _require_board(request.user)
    target = request.htmx.target if request.htmx else None
    if target == "alert-board":
        response = render(request, "monitoring/_alerts.html", _alerts_context(request))
    elif target == "mention-stream":
        mentions = _mentions_context(request)
        response = render(request, "monitoring/_mentions.html", mentions,
                          status=_filter_status(mentions))
    else:
        mentions = _mentions_context(request)
        response = render(request, "monitoring/board.html", {
            **_alerts_context(request), **mentions,
            "watches": board_selectors.board_watches(user=request.user)},
            status=_filter_status(mentions))
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _alert_page(request, alert, *, status=200, dismiss_form=None, escalate_form=None):
    evidence = board_selectors.evidence_mentions(board_selectors.decorate(alert))
    incident = alert.incident
    return render(request, "monitoring/alert_detail.html", {
        "alert": alert,
        "incident_visible": incident is not None and crisis_selectors.may_view(
            user=request.user, incident=incident),
        "evidence": evidence[:TOP_EVIDENCE],
        "evidence_count": len(evidence),
        "evidence_platforms": board_selectors.platform_counts(evidence),
        "level_changes": list(alert.level_changes.all()),
        "is_active": alert.status in ACTIVE_ALERT_STATUSES,
        "dismiss_form": dismiss_form or DismissForm(auto_id="id_dismiss_%s"),
        "escalate_form": escalate_form,
        **_actions_context(request.user),
    }, status=status)


@login_required
@require_GET
def alert_detail(request, pk: int):
    _require_board(request.user)
    return _alert_page(request, alert_get(user=request.user, pk=pk))


def _board_or(request, alert) -> str:
    """Back where the action was taken: the alert page or the board."""
    if request.POST.get("from") == "alert":
        return reverse("monitoring-alert", args=[alert.pk])
    return reverse("monitoring-board") + "#alert-board"


@login_required
@require_POST
def alert_acknowledge(request, pk: int):
    _require_actions(request.user)
    alert = alert_get(user=request.user, pk=pk)
    form = forms.Form(request.POST)  # nothing to fill in
    return form_action(
        request, form, lambda data: alerts.alert_acknowledge(actor=request.user, alert=alert),
        done=lambda result: redirect_with_message(
            request, _board_or(request, result),
            _("Acknowledged: %(alert)s.") % {"alert": alerts.alert_title(result)}),
        conflict_to=_board_or(request, alert))


@login_required
@require_POST
def alert_dismiss(request, pk: int):
    _require_actions(request.user)
    alert = alert_get(user=request.user, pk=pk)
    form = DismissForm(request.POST, auto_id="id_dismiss_%s")
    return form_action(
        request, form, lambda data: alerts.alert_dismiss(actor=request.user, alert=alert,
                                                         reason=data["reason"]),
        done=lambda result: redirect_with_message(
            request, _board_or(request, result),
            _("Dismissed: %(alert)s.") % {"alert": alerts.alert_title(result)}),
        page=lambda status: _alert_page(request, alert, status=status, dismiss_form=form),
        conflict_to=_board_or(request, alert))


@login_required
@require_POST
def alert_escalate(request, pk: int):
    _require_actions(request.user)
    alert = alert_get(user=request.user, pk=pk)
    form = EscalateForm(request.POST,
                        attachable=board_selectors.attachable_incidents(user=request.user))

    def escalate(data):
        return alerts.alert_escalate(actor=request.user, alert=alert, incident=data["incident"])

    return form_action(
        request, form, escalate,
        done=lambda result: redirect_with_message(
            request, result.incident.get_absolute_url(),
            _("%(alert)s is now part of %(ref)s.") % {"alert": alerts.alert_title(result),
                                                      "ref": result.incident.reference}),
        page=lambda status: _alert_page(request, alert, status=status, escalate_form=form),
        conflict_to=_board_or(request, alert))
