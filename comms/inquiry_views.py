"""Media inquiry pages: logging one from the room's panel, and one inquiry's page to assign,
answer and correct it. Thin: a form checks the input, one service in
``comms.inquiry_services`` does the work; ``core.views.form_action`` answers htmx with the
panel and a plain POST with a redirect (or the form page again with its errors, 400). An
inquiry of an incident the user may not view is not found (404)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.views import form_action, redirect_with_message
from crisis.selectors import incident_get

from . import inquiry_services, media
from .inquiry_forms import InquiryEditForm, InquiryForm
from .inquiry_panels import PANEL_ID, inquiries_panel_context

FORM_PAGE = "comms/inquiries/inquiry_form.html"


def _room_url(incident) -> str:
    return f"{incident.get_absolute_url()}#{PANEL_ID}"


def _refuse_unless_may_work(user, incident) -> None:
    if not media.can_work_inquiries(user, incident):
        raise PermissionDenied(inquiry_services.may_not_work())


@login_required
@require_POST
def inquiry_create(request, pk: int):
    """The panel's "Log an inquiry" form."""
    incident = incident_get(user=request.user, pk=pk)
    form = InquiryForm(request.POST, incident=incident, auto_id="id_inquiry_%s")

    def panel(*, status: int, error: str = "", result=None):
        context = inquiries_panel_context(request, incident,
                                          form=None if status == 200 else form, error=error)
        return render(request, "comms/inquiries/_panel.html", context, status=status)

    def page(status: int):
        _refuse_unless_may_work(request.user, incident)
        return render(request, FORM_PAGE, {"incident": incident, "form": form,
                                           "action": reverse("crisis:inquiry-create",
                                                             args=[incident.pk])},
                      status=status)

    return form_action(
        request, form,
        lambda data: inquiry_services.inquiry_create(actor=request.user, incident=incident,
                                                     **data),
        done=lambda inquiry: redirect_with_message(
            request, _room_url(incident),
            _("Media inquiry from %(outlet)s logged.") % {"outlet": inquiry.outlet}),
        page=page, panel=panel, conflict_to=_room_url(incident))


def _seen(raw: str | None):
    try:
        return parse_datetime(raw or "")
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_detail(request, inquiry_pk: int):
    """One inquiry: what was asked and by whom; for those who may, the form to assign it,
    move it along and name the approved or published statement it was answered with."""
    inquiry = media.inquiry_get(user=request.user, pk=inquiry_pk)
    incident = inquiry.incident
    may_work = media.can_work_inquiries(request.user, incident)
    if request.method == "POST":
        _refuse_unless_may_work(request.user, incident)
        form = InquiryEditForm(request.POST, incident=incident, inquiry=inquiry)
    else:
        form = InquiryEditForm(incident=incident, inquiry=inquiry, initial={
            "outlet": inquiry.outlet, "journalist": inquiry.journalist,
            "contact": inquiry.contact, "question": inquiry.question,
            "received_at": inquiry.received_at, "deadline": inquiry.deadline,
            "assignee": inquiry.assignee_id, "status": inquiry.status,
            "answer_statement": inquiry.answer_statement_id,
            "answer_note": inquiry.answer_note})
    url = reverse("crisis:inquiry-detail", args=[inquiry.pk])
    # When the inquiry was last changed as this page read it: a save over a later change
    # is refused (409) instead of undoing it.
    seen = _seen(request.POST.get("seen")) if request.method == "POST" else None

    def page(status: int):
        return render(request, FORM_PAGE, {"incident": incident, "inquiry": inquiry,
                                           "form": form if may_work else None,
                                           "seen": inquiry.updated_at.isoformat(),
                                           "action": url}, status=status)

    if request.method == "GET":
        return page(200)
    return form_action(
        request, form,
        lambda data: inquiry_services.inquiry_update(actor=request.user, inquiry=inquiry,
                                                     seen=seen, **data),
        done=lambda _inquiry: redirect_with_message(request, url, _("Media inquiry saved.")),
        page=page, conflict_to=url)
