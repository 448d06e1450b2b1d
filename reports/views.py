"""Report pages: the incident summary PDF, and the post-incident review in the browser.

The review's pages are thin, as the statement pages are: a form checks the input, ONE
service in ``reports.services`` does the work (and decides again who may); these views
only say what the user may do right now. Every action is a plain form POST answered by a
redirect with a message, or by the page again with what went wrong: 400 with the field's
error, 409 with the service's message (a page that was stale: an edit from an older
revision keeps the writer's text), the 403 page for a right the user lacks, 404 for an
incident the user may not view. The review page redraws live from the incident's stream
(``review.changed``; its PDF box from ``review.pdf``, see ``_review_pdf_box.html``).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ConflictError
from core.views import add_service_errors, redirect_with_message
from crisis import live, panels
from crisis import selectors as crisis_selectors
from crisis.permissions import EDIT_REVIEW, has_right
from teams.models import RoleAssignment

from . import facts, services
from .forms import (
    LESSON_FIELDS,
    SECTION_FIELDS,
    ActionItemForm,
    ActionItemStatusForm,
    LanguageForm,
    ReviewForm,
    SignOffForm,
    section_label,
)
from .metrics import compute_metrics, metrics_from_json
from .models import (
    EXECUTIVE_SUMMARY_MAX_WORDS,
    REQUIRED_SIGN_OFFS,
    UNFINISHED_ACTION_ITEM_STATUSES,
    ActionItem,
    PostIncidentReview,
    ReviewPdf,
    ReviewVersion,
    SignOffRole,
)
from .permissions import can_change_action_item, can_edit_review, sign_off_roles
from .rendering import render_incident_summary_pdf

REVIEW_FRAGMENT = "review-detail"
PDF_FRAGMENT = "review-pdf"
PANEL_ID = "review-panel"
NARROW_CHART_WIDTH, NARROW_CHART_HEIGHT = 400, 320  # the charts on phones (SVG units)


@login_required
@require_GET
def incident_summary_pdf(request, pk: int):
    incident = crisis_selectors.incident_get(user=request.user, pk=pk)
    response = HttpResponse(render_incident_summary_pdf(incident=incident),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}-summary.pdf"'
    return response


# --- what a review page shows -----------------------------------------------------------------

def _live(incident) -> dict:
    """What a review page needs to follow the incident's stream from where it is."""
    return {"stream": f"/ws/incidents/{incident.pk}/", "seq": live.last_seq(incident.pk)}


def _review_url(incident, anchor: str = "") -> str:
    url = reverse("crisis:incident-review", args=[incident.pk])
    return url + (f"#{anchor}" if anchor else "")


def _review(request, pk: int) -> tuple:
    """(the incident, its review or None while it has none); 404 for an incident the user
    may not view."""
    incident = crisis_selectors.incident_get(user=request.user, pk=pk)
    review = PostIncidentReview.objects.filter(incident=incident).first()
    if review is not None:
        review.incident = incident  # the same object: its rights are read once
    return incident, review


def _require_review(request, pk: int) -> PostIncidentReview:
    _incident, review = _review(request, pk)
    if review is None:
        raise Http404("This incident has no review yet.")
    return review


def _may_edit(user, review) -> bool:
    return can_edit_review(user, review) and not review.incident.merged_into_id


def _may_open(user, incident) -> bool:
    return (incident.status in services.REVIEW_STATUSES and not incident.merged_into_id
            and has_right(user, incident, EDIT_REVIEW))


def _holders(incident) -> dict[str, list]:
    """Who holds each sign-off role on the incident now: {role code: [users]}."""
    holders: dict[str, list] = {}
    for assignment in (RoleAssignment.objects.filter(
            incident=incident, ended_at__isnull=True,
            role__code__in=[role.value for role in REQUIRED_SIGN_OFFS])
            .select_related("user", "role").order_by("assigned_at", "pk")):
        holders.setdefault(assignment.role.code, []).append(assignment.user)
    return holders


def _sign_off_rows(version: ReviewVersion, holders: dict) -> list[dict]:
    """Each required sign-off of ``version``: who signed when, or who is awaited."""
    signed = {s.role: s for s in version.sign_offs.select_related("user")}
    return [{"role": role, "label": role.label, "sign_off": signed.get(role.value),
             "holders": holders.get(role.value, [])} for role in REQUIRED_SIGN_OFFS]


def _state(version: ReviewVersion, rows: list[dict]) -> str:
    """draft / signed (in part) / signed_off."""
    if version.is_signed_off:
        return "signed_off"
    return "signed" if any(row["sign_off"] for row in rows) else "draft"


def _metrics(incident, version: ReviewVersion) -> tuple[list, bool]:
    """The metrics a version shows, and whether they were frozen at its sign-off (rather
    than computed now from the record)."""
    if version.is_signed_off and version.metrics:
        return metrics_from_json(version.metrics), True
    return compute_metrics(incident), False


def _metric_lines(metric) -> list[tuple[str, str]]:
    """A metric's rows (per stage, group or role) as (label, text) lines; none where the
    figure already says it all."""
    lines = []
    for row in metric.details:
        if metric.key == "approval_cycle":
            lines.append((row.get("stage_label") or "—", _("median %(median)s · longest "
                                                          "%(max)s") % row))
        elif metric.key == "deliveries":
            lines.append((row["group_label"], _(
                "%(sent)d sent · %(failed)d failed · %(acknowledged)d acknowledged, of "
                "%(total)d") % row))
        elif metric.key == "time_to_assemble":
            lines.append((row["role_label"], row["after"] or _("never on the team")))
    return lines


def _percent(share) -> str:
    return "—" if share is None else f"{number_format(share * 100, 0)} %"


def _impact(incident) -> dict:
    """``facts.impact`` with its periods as rows for the page (before, during, after)."""
    found = facts.impact(incident)
    labels = {"before": _("Before (the day before detection)"), "during": _("During"),
              "after": _("After (the day after closing)")}
    rows = []
    for name, label in labels.items():
        period = found.get(name)
        rows.append({"name": name, "label": label, "period": period,
                     "negative": _percent(period["negative_share"]) if period else "",
                     "positive": _percent(period["positive_share"]) if period else ""})
    return {**found, "rows": rows}


def _pdf(version: ReviewVersion, language: str) -> ReviewPdf | None:
    """The PDF of this version's revision in that language, if one was asked for."""
    return (ReviewPdf.objects.filter(version=version, language=language,
                                     revision=version.revision)
            .order_by("-requested_at", "-pk").first())


def _target_url(user, obj) -> str:
    """Where the object an action item changes can be seen: a watch's chart on the alert
    board, anything else on its admin page (for staff who may view it); "" if nowhere."""
    if obj is None:
        return ""
    meta = obj._meta
    if meta.label == "monitoring.Watch" and user.has_perm("monitoring.view_alert"):
        return f"{reverse('monitoring-board')}#watch-{obj.pk}"
    if user.is_staff and user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return ""


def _action_items(review, user, *, may_edit: bool) -> list[ActionItem]:
    items = list(review.action_items.select_related(
        "owner", "playbook", "approval_policy", "watch", "warning_rule").order_by("due_on", "pk"))
    for item in items:
        item.review = review
        item.may_edit_all = may_edit
        item.may_edit = may_edit or (not review.incident.merged_into_id
                                     and can_change_action_item(user, item, ("status",)))
        item.target_url = _target_url(user, item.target)
    return items


def _version(review, raw) -> ReviewVersion | None:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return None
    return review.versions.filter(number=number).first()


def _detail_context(request, review, shown: ReviewVersion, **extra) -> dict:
    incident = review.incident
    current = review.current
    is_current = shown.pk == current.pk
    rows = _sign_off_rows(shown, _holders(incident))
    may_edit = _may_edit(request.user, review)
    metrics, frozen = _metrics(incident, shown)
    return {
        "incident": incident, "review": review, "shown": shown, "current": current,
        "is_current": is_current, "state": _state(shown, rows), "sign_off_rows": rows,
        "signable": ([SignOffRole(code) for code in sign_off_roles(request.user, shown)]
                     if is_current and not incident.merged_into_id else []),
        "may_edit": may_edit,
        "may_add_action": may_edit and is_current,  # "Add an action item" (not on old versions)
        "versions": list(review.versions.prefetch_related("sign_offs").order_by("-number")),
        "metrics": [(metric, _metric_lines(metric)) for metric in metrics],
        "metrics_frozen": frozen,
        "lessons": [(name, section_label(name), getattr(shown, name))
                    for name in LESSON_FIELDS],
        "key_moments": facts.key_moments(incident),
        "statement_history": facts.statement_history(incident),
        "impact": _impact(incident),
        **_charts(incident),
        "action_items": _action_items(review, request.user, may_edit=may_edit),
        "language_form": LanguageForm(initial={"language": review.language},
                                      auto_id="id_review_%s"),
        "pdf": _pdf(shown, review.language),
        "live": _live(incident),
        **extra,
    }


def _charts(incident) -> dict:
    """The volume / sentiment and approval-cycle charts, inline SVG (reports.charts: no
    script, no style: safe under the page's CSP)."""
    from . import charts  # matplotlib on first use: not at every process's start

    series, cycles = facts.volume_series(incident), facts.approval_cycles(incident)
    return {
        "volume_chart": mark_safe(charts.volume_chart(series)),  # noqa: S308
        "approval_chart": mark_safe(charts.approval_cycle_chart(cycles)),  # noqa: S308
        # Drawn again for phones: the wide one scaled to 375 px has 5 px labels.
        "volume_chart_narrow": mark_safe(charts.volume_chart(  # noqa: S308
            series, width=NARROW_CHART_WIDTH, height=NARROW_CHART_HEIGHT)),
        "approval_chart_narrow": mark_safe(charts.approval_cycle_chart(  # noqa: S308
            cycles, width=NARROW_CHART_WIDTH)),
        "has_volume": not series.is_empty, "has_cycles": bool(cycles)}


def _pdf_context(request, review, shown: ReviewVersion) -> dict:
    return {"incident": review.incident, "review": review, "shown": shown,
            "is_current": shown.pk == review.current.pk,
            "pdf": _pdf(shown, review.language)}


def _detail_response(request, review, shown=None, *, status: int = 200, **extra):
    incident = review.incident
    review = PostIncidentReview.objects.get(pk=review.pk)  # fresh
    review.incident = incident
    if shown is None or shown.review_id != review.pk:
        shown = review.current
    else:
        shown = review.versions.get(pk=shown.pk)
    target = request.htmx.target if request.htmx else None
    if target == PDF_FRAGMENT:  # the PDF box alone, redrawn while a PDF renders
        response = render(request, "reports/_review_pdf_box.html",
                          _pdf_context(request, review, shown), status=status)
    else:
        template = ("reports/_review_detail.html" if target == REVIEW_FRAGMENT
                    else "reports/review_detail.html")
        response = render(request, template, _detail_context(request, review, shown, **extra),
                          status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _refusal(request, review, shown, error: str, status: int):
    """The review page again, saying why an action was refused."""
    return _detail_response(request, review, shown, status=status, action_error=error)


def _none_page(request, incident, *, status: int = 200, error: str = ""):
    return render(request, "reports/review_none.html", {
        "incident": incident, "may_open": _may_open(request.user, incident),
        "may_ever_open": has_right(request.user, incident, EDIT_REVIEW)
        and not incident.merged_into_id, "error": error}, status=status)


# --- the review -------------------------------------------------------------------------------

@login_required
@require_GET
def review_detail(request, pk: int):
    """The review as one version reads (``?version=``, the current one by default): its
    state, metrics, charts, the record's facts, the written sections, action items, the
    sign-offs and the PDF. No review yet: a page saying when it opens (and a button to
    open it now for those who may, once the incident's status allows)."""
    incident, review = _review(request, pk)
    if review is None:
        return _none_page(request, incident)
    shown = None
    if request.GET.get("version"):
        shown = _version(review, request.GET["version"])
        if shown is None:
            return render(request, "reports/review_bad_request.html", {
                "incident": incident, "parameter": "version",
                "message": _("This review has versions 1 to %(n)d.")
                % {"n": review.current.number}}, status=400)
    return _detail_response(request, review, shown)


@login_required
@require_POST
def review_open(request, pk: int):
    """Open the review now (it opens by itself when the incident reaches recovering)."""
    incident, review = _review(request, pk)
    if not has_right(request.user, incident, EDIT_REVIEW):
        raise PermissionDenied(_("You may not edit this incident's review."))
    if review is not None:
        return redirect_with_message(request, _review_url(incident))
    if not _may_open(request.user, incident):
        return _none_page(request, incident, status=409, error=_(
            "The review opens when the incident is recovering or closed; it is %(status)s.")
            % {"status": incident.get_status_display()})
    services.review_open(incident=incident, actor=request.user)
    return redirect_with_message(
        request, _review_url(incident),
        _("The review is open: version 1 is pre-filled from the record. Edit it, then ask "
          "the lead and the executive sponsor to sign it off."))


def _edit_page(request, review, current, form, *, status: int = 200, **extra):
    incident = review.incident
    return render(request, "reports/review_edit.html", {
        "incident": incident, "review": review, "current": current, "form": form,
        "locked": current.is_locked, "next_number": current.number + 1,
        "summary_max_words": EXECUTIVE_SUMMARY_MAX_WORDS, "live": _live(incident),
        "suggested": facts.suggested_summary(incident, _metrics(incident, current)[0]),
        **extra}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request, pk: int):
    """The written sections of the current version. A draft is changed in place (its
    revision goes up); a version someone signed is kept as it is, and the save starts the
    next version, which needs sign-off again (the page says so first). A save from an
    older revision is refused (409) and the writer's text is shown back, to save again
    once compared."""
    review = _require_review(request, pk)
    if not _may_edit(request.user, review):
        raise PermissionDenied(_("You may not edit this incident's review."))
    current = review.current
    if request.method == "GET":
        return _edit_page(request, review, current, ReviewForm(
            language=review.language, initial={
                "version": current.number, "base": current.revision,
                **{name: getattr(current, name) for name in SECTION_FIELDS}}))
    form = ReviewForm(request.POST, language=review.language)
    if not form.is_valid():
        return _edit_page(request, review, current, form, status=400)
    started = (form.cleaned_data["version"], form.cleaned_data["base"])
    try:
        if started != (current.number, current.revision):
            raise ConflictError(
                _("The review changed since you opened it (version %(version)d, revision "
                  "%(revision)d; it is now version %(current)d, revision %(now)d).")
                % {"version": started[0], "revision": started[1], "current": current.number,
                   "now": current.revision}, current=str(current.revision))
        version = services.review_edit(actor=request.user, review=review,
                                       base_revision=current.revision, **form.sections())
    except ConflictError as error:
        current = review.current
        # The writer's text stays; saving it again (once compared) goes on from now.
        data = request.POST.copy()
        data["version"], data["base"] = current.number, current.revision
        form = ReviewForm(data, language=review.language)
        form.is_valid()
        return _edit_page(request, review, current, form, status=409, error=error.message)
    except ValidationError as error:
        add_service_errors(form, error)
        return _edit_page(request, review, current, form, status=400)
    if version.number != current.number:
        message = _("Saved as version %(n)d. It needs sign-off again.") % {"n": version.number}
    else:
        message = _("Saved: version %(n)d, revision %(r)d.") % {"n": version.number,
                                                                 "r": version.revision}
    return redirect_with_message(request, _review_url(review.incident), message)


@login_required
@require_POST
def review_sign_off(request, pk: int):
    """Sign the shown version off as the lead or the executive sponsor (the page asked to
    confirm first, restating that it locks the version)."""
    review = _require_review(request, pk)
    form = SignOffForm(request.POST)
    shown = _version(review, request.POST.get("version"))
    if not form.is_valid():
        return _refusal(request, review, shown, " ".join(
            [_("The sign-off could not be read:")]
            + [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]), 400)
    number, role = form.cleaned_data["version"], form.cleaned_data["role"]
    try:
        services.review_sign_off(actor=request.user, review=review, version_number=number,
                                 role=role)
    except ConflictError as error:
        return _refusal(request, review, shown, error.message, 409)
    except ValidationError as error:
        return _refusal(request, review, shown, " ".join(error.messages), 400)
    version = review.versions.get(number=number)
    if version.is_signed_off:
        message = _("Version %(n)d is signed off. The executives on the incident were told.") \
            % {"n": number}
    else:
        message = _("You signed version %(n)d off as %(role)s.") % {
            "n": number, "role": SignOffRole(role).label}
    return redirect_with_message(request, _review_url(review.incident, "sign-off"), message)


@login_required
@require_POST
def review_language(request, pk: int):
    """The language of the review's headings, labels and PDF."""
    review = _require_review(request, pk)
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return _refusal(request, review, None, " ".join(
            f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()), 400)
    try:
        services.review_set_language(actor=request.user, review=review,
                                     language=form.cleaned_data["language"])
    except ValidationError as error:
        return _refusal(request, review, None, " ".join(error.messages), 400)
    review.refresh_from_db()
    return redirect_with_message(
        request, _review_url(review.incident),
        _("The review is now in %(language)s.") % {"language": review.get_language_display()})


# --- action items -----------------------------------------------------------------------------

def _action_page(request, review, form, item=None, *, status=200, error="", full=True):
    return render(request, "reports/review_action_form.html", {
        "incident": review.incident, "review": review, "form": form, "item": item,
        "item_full": full, "error": error}, status=status)


def _action_write(request, review, form, act, *, item=None, full=True, success):
    """Run one action-item service for ``form``: done, back to the review's list; refused
    by the current state, the form again with why (409); bad input, its errors (400)."""
    if form.is_valid():
        try:
            act(form.item_data())
        except ConflictError as error:
            return _action_page(request, review, form, item, status=409, error=error.message,
                                full=full)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect_with_message(request, _review_url(
                review.incident, f"action-{item.pk}" if item else "action-items"), success())
    return _action_page(request, review, form, item, status=400, full=full)


@login_required
@require_http_methods(["GET", "POST"])
def action_item_create(request, pk: int):
    review = _require_review(request, pk)
    if not _may_edit(request.user, review):
        raise PermissionDenied(_("You may not add action items to this review."))
    people = crisis_selectors.people_who_may_view(review.incident)
    if request.method == "GET":
        return _action_page(request, review, ActionItemForm(people=people))
    form = ActionItemForm(request.POST, people=people)
    return _action_write(
        request, review, form,
        lambda data: services.action_item_create(actor=request.user, review=review, **data),
        success=lambda: _("Action item “%(title)s” added.") % form.cleaned_data)


@login_required
@require_http_methods(["GET", "POST"])
def action_item_edit(request, pk: int, item_pk: int):
    """The whole item for the review's writers; its status alone for its owner."""
    review = _require_review(request, pk)
    item = get_object_or_404(ActionItem.objects.select_related(
        "owner", "playbook", "approval_policy", "watch", "warning_rule"),
        pk=item_pk, review=review)
    item.review = review
    full = _may_edit(request.user, review)
    if not full and (review.incident.merged_into_id
                     or not can_change_action_item(request.user, item, ("status",))):
        raise PermissionDenied(_("You may not change this action item."))
    data = request.POST if request.method == "POST" else None
    if full:
        people = crisis_selectors.people_who_may_view(review.incident)
        form = ActionItemForm(data, people=people, initial=ActionItemForm.initial_for(item))
    else:
        form = ActionItemStatusForm(data, initial={"status": item.status})
    if request.method == "GET":
        return _action_page(request, review, form, item, full=full)

    def update(values):
        # Only what changed: an unchanged due day that has passed is no new due day.
        changes = {name: value for name, value in values.items()
                   if value != getattr(item, name)}
        return services.action_item_update(actor=request.user, item=item, **changes)

    return _action_write(request, review, form, update, item=item, full=full,
                         success=lambda: _("Action item “%(title)s” saved.")
                         % {"title": form.cleaned_data.get("title", item.title)})


# --- the room's Review panel ------------------------------------------------------------------

def review_panel_context(request, incident) -> dict:
    """The room's Review panel: shown once the incident is recovering or closed (or has a
    review): the review's state and a link; before that, nothing."""
    review = PostIncidentReview.objects.filter(incident=incident).first()
    show = review is not None or incident.status in services.REVIEW_STATUSES
    context = {"incident": incident, "review_panel": show, "panel_review": review}
    if not show:
        return context
    if review is None:
        context["panel_may_open"] = _may_open(request.user, incident)
        return context
    current = review.current
    rows = _sign_off_rows(current, _holders(incident))
    context.update({
        "panel_current": current, "panel_state": _state(current, rows), "panel_rows": rows,
        "panel_open_items": review.action_items.filter(
            status__in=UNFINISHED_ACTION_ITEM_STATUSES).count(),
    })
    return context



def register_room_panel() -> None:
    """The room's Review panel (``ReportsConfig.ready()`` calls this)."""
    panels.register(panels.RoomPanel(PANEL_ID, "reports/_room_review_panel.html",
                                     review_panel_context, position=90))
