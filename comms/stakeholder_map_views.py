"""Stakeholder map pages: the room panel's edit form and its "Update given" button. Thin: a
form checks the input, one service in ``comms.stakeholder_map_services`` does the work;
``core.views.form_action`` answers htmx with the panel and a plain POST with a redirect to
the room (or the form's page again with its errors, 400). An incident the user may not
view is not found (404)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.views import form_action, redirect_with_message
from crisis.selectors import incident_get

from . import stakeholder_map_services as services
from .models import StakeholderGroup
from .stakeholder_map import can_manage_stakeholders, map_entry
from .stakeholder_map_forms import StakeholderEntryForm
from .stakeholder_map_panels import PANEL_ID, TEMPLATE, stakeholders_panel_context

FORM_PAGE = "comms/stakeholder_map/entry_form.html"


def _room_url(incident) -> str:
    return f"{incident.get_absolute_url()}#{PANEL_ID}"


def _group(group_pk: int) -> StakeholderGroup:
    return get_object_or_404(StakeholderGroup, pk=group_pk)


def _panel(request, incident, form=None, group=None):
    def panel(*, status: int, error: str = "", result=None):
        failed = status != 200
        context = stakeholders_panel_context(
            request, incident, form=form if failed else None,
            form_group=group.pk if failed and group is not None else None, error=error)
        return render(request, TEMPLATE, context, status=status)

    return panel


@login_required
@require_POST
def stakeholder_edit(request, pk: int, group_pk: int):
    """A group's entry: affected, priority, owner, cadence."""
    incident = incident_get(user=request.user, pk=pk)
    group = _group(group_pk)
    form = StakeholderEntryForm(request.POST, incident=incident,
                                auto_id=f"id_stakeholder_{group.pk}_%s")

    def page(status: int):
        if not can_manage_stakeholders(request.user, incident):
            raise PermissionDenied(services.may_not_manage())
        return render(request, FORM_PAGE, {
            "incident": incident, "group": group, "form": form,
            "entry": map_entry(incident=incident, group_id=group.pk),
            "action": reverse("crisis:stakeholder-edit", args=[incident.pk, group.pk])},
            status=status)

    return form_action(
        request, form,
        lambda data: services.stakeholder_update(actor=request.user, incident=incident,
                                                 group=group, **data),
        done=lambda row: redirect_with_message(
            request, _room_url(incident), _("%(group)s saved.") % {"group": group}),
        page=page, panel=_panel(request, incident, form, group),
        conflict_to=_room_url(incident))


@login_required
@require_POST
def stakeholder_update_given(request, pk: int, group_pk: int):
    """"Update given": the group heard from us now."""
    incident = incident_get(user=request.user, pk=pk)
    group = _group(group_pk)
    form = forms.Form(request.POST)
    return form_action(
        request, form,
        lambda data: services.stakeholder_update_given(actor=request.user, incident=incident,
                                                       group=group),
        done=lambda row: redirect_with_message(
            request, _room_url(incident),
            _("Update to %(group)s recorded.") % {"group": group}),
        panel=_panel(request, incident), conflict_to=_room_url(incident))
