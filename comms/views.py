"""Statement pages for the communications officer and the legal reviewer. Thin: a form
checks the input, ONE service in comms.services does the work (and enforces the approval
invariants under its locks); these views only say what the user may do right now.

Every action is a plain form POST answered by a redirect with a message, or by the
statement's page again with what went wrong: 400 with the field's error (a reason left
out), 409 with the service's message naming the current version (a page that was stale),
the 403 page for a right the user lacks, 404 for a statement of an incident they may not
view. The pages redraw live from the incident's stream (``statement.changed``).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ConflictError
from core.text import labelled
from core.views import add_service_errors, redirect_with_message
from crisis import live
from crisis.selectors import incident_get
from teams.models import Role

from . import delivery_services, drafting, policy, schedule, selectors, services
from .choices import (
    EDITABLE_STATUSES,
    FRAME_FIELDS,
    WITHDRAWABLE_STATUSES,
    CorrectionKind,
    Decision,
    StatementKind,
    StatementStatus,
)
from .delivery_forms import PUBLISH_AT, PublishForm
from .diff import version_diff
from .forms import (
    VARIANT_FIELDS,
    CommentForm,
    ConfirmForm,
    DecisionForm,
    ReasonForm,
    StartForm,
    StatementForm,
    StatusFilterForm,
    TextForm,
)
from .models import FRAME_LABELS, ApprovalDecision, StatementComment, StatementVersion
from .panels import review_summaries
from .permissions import can_comment, can_draft, can_publish

LIST_PAGE_SIZE = 50
DETAIL_FRAGMENT = "statement-detail"
TABLE_FRAGMENT = "statement-table"


def _posted(request):
    return request.POST if request.method == "POST" else None


def _detail_url(statement, version: int | None = None) -> str:
    url = reverse("crisis:statement-detail", args=[statement.pk])
    return f"{url}?version={version}" if version else url


def _live(incident) -> dict:
    """What a statement page needs to follow the incident's stream from where it is."""
    return {"stream": f"/ws/incidents/{incident.pk}/", "seq": live.last_seq(incident.pk)}


# --- the incident's statements ----------------------------------------------------------------

@login_required
@require_GET
def statement_list(request, pk: int):
    incident = incident_get(user=request.user, pk=pk)
    statements = selectors.statement_list(user=request.user, incident=incident)
    filter_form = StatusFilterForm(request.GET)
    page = Paginator(filter_form.filter(statements) if filter_form.is_valid()
                     else statements.none(), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    summaries = review_summaries(rows)
    schedule.note_waiting_schedules(rows)
    context = {
        "incident": incident, "filter_form": filter_form, "page": page,
        "rows": [(statement, summaries[statement.pk]) for statement in rows],
        "can_draft": can_draft(request.user, incident) and not incident.merged_into_id,
        "is_filtered": bool(request.GET.getlist("status")),
        "live": _live(incident),
    }
    status = 400 if filter_form.errors else 200
    template = ("comms/_statement_table.html" if request.htmx
                and request.htmx.target == TABLE_FRAGMENT else "comms/statement_list.html")
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


# --- a new statement ----------------------------------------------------------------------------

def _reloading(form: StatementForm, incident) -> StatementForm:
    """Choosing another kind or language loads its template into the form (htmx), once the
    writer has confirmed that it replaces what they wrote; declined, nothing changes."""
    attrs = {
        "hx-get": reverse("crisis:statement-create", args=[incident.pk]),
        "hx-trigger": "change", "hx-include": "#id_kind, #id_language",
        "hx-target": "#statement-form", "hx-select": "#statement-form",
        "hx-swap": "outerHTML",
        "hx-confirm": _("Start again from the template for this kind and language? What "
                        "you wrote here is replaced."),
    }
    for name in ("kind", "language"):
        form.fields[name].widget.attrs.update(attrs)
    return form


class BadParameter(Exception):
    """A query or form parameter that cannot be used: a 400 page naming it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter, self.message = parameter, message


def _corrected(request, incident):
    """(the published statement to correct, correction or retraction) a new statement
    names (``?corrects=&as=`` on the page, hidden fields on the form), or None; one the
    user may not view is not found, one of another incident a bad request."""
    data = request.POST if request.method == "POST" else request.GET
    raw = data.get("corrects")
    if not raw:
        return None
    if not raw.isdigit():
        raise BadParameter("corrects", _("Name the statement to correct by its number."))
    statement = selectors.statement_get(user=request.user, pk=raw)
    if statement.incident_id != incident.pk:
        raise BadParameter("corrects", _("A correction belongs to the incident of the "
                                         "statement it corrects."))
    how = data.get("as") or data.get("corrects_as") or CorrectionKind.CORRECTION
    if how not in CorrectionKind.values:
        raise BadParameter("as", _("Use one of: %(allowed)s.")
                           % {"allowed": ", ".join(CorrectionKind.values)})
    return statement, how


def _correction_form(request, incident, corrected, how):
    """The form for a correction (the published text to put right) or a retraction (a
    short text withdrawing it), in the corrected statement's language."""
    if corrected.status != StatementStatus.PUBLISHED:
        raise BadParameter("corrects", _("Only a published statement can be corrected or "
                                         "retracted."))
    published = StatementVersion.objects.get(statement=corrected,
                                             number=corrected.published_version)
    label = CorrectionKind(how).label
    with translation.override(corrected.language):
        title = f"{CorrectionKind(how).label}: {corrected.title}"
    initial = {"kind": StatementKind.CORRECTION, "language": corrected.language,
               "title": title[:services.MAX_TITLE_LENGTH], "corrects": corrected.pk,
               "corrects_as": how,
               "audience": corrected.audience,
               **{name: getattr(published, name) for name in FRAME_FIELDS},
               "body": published.body if how == CorrectionKind.CORRECTION else ""}
    form = StatementForm(initial=initial, incident=incident)
    return render(request, "comms/statement_form.html", {
        "incident": incident, "form": form, "corrected": corrected, "correction_label": label})


@login_required
@require_http_methods(["GET", "POST"])
def statement_create(request, pk: int):
    """Two steps: the kind and language (which template to start from), then the text,
    pre-filled from the template, saved as version 1 by ``services.statement_create``."""
    incident = incident_get(user=request.user, pk=pk)
    if not can_draft(request.user, incident):
        raise PermissionDenied(_("You may not draft statements in this incident."))
    context = {"incident": incident}
    try:
        corrected = _corrected(request, incident)
        if request.method == "GET" and corrected is not None:
            return _correction_form(request, incident, *corrected)
    except BadParameter as error:
        return render(request, "comms/bad_request.html", {
            "parameter": error.parameter, "message": error.message,
            "back": reverse("crisis:statement-list", args=[incident.pk])}, status=400)
    if request.method == "GET":
        start = StartForm(request.GET if {"kind", "language"} & set(request.GET) else None)
        if not start.is_bound or not start.is_valid():
            return render(request, "comms/statement_start.html",
                          {**context, "form": start}, status=400 if start.errors else 200)
        kind, language = start.cleaned_data["kind"], start.cleaned_data["language"]
        template = drafting.template_for(incident=incident, kind=kind, language=language)
        initial = {"kind": kind, "language": language}
        unknown: list[str] = []
        if template is not None:
            filled = drafting.fill(template, incident)
            initial.update(filled.values)
            unknown = filled.unknown
        form = _reloading(StatementForm(initial=initial, incident=incident), incident)
        return render(request, "comms/statement_form.html",
                      {**context, "form": form, "template": template, "unknown": unknown,
                       "started": True})
    form = StatementForm(request.POST, incident=incident)
    if corrected is None:
        form = _reloading(form, incident)
    else:
        context.update(corrected=corrected[0],
                       correction_label=CorrectionKind(corrected[1]).label)
    if form.is_valid():
        try:
            statement = services.statement_create(
                actor=request.user, incident=incident, **form.statement_data(),
                **({"corrects": corrected[0]} if corrected else {}))
        except ConflictError as error:
            return render(request, "comms/statement_form.html",
                          {**context, "form": form, "error": error.message}, status=409)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect_with_message(
                request, _detail_url(statement),
                _("Statement saved as version 1 (draft). Send it for approval when it is "
                  "ready."))
    return render(request, "comms/statement_form.html", {**context, "form": form},
                  status=400)


# --- one statement ------------------------------------------------------------------------------

def _statement(request, statement_pk: int):
    return selectors.statement_get(user=request.user, pk=statement_pk)


def _version(statement, raw) -> StatementVersion | None:
    """Version ``raw`` (a number from the query string or a form) of ``statement``; None
    when it names none (the caller answers 400 naming its parameter)."""
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return None
    if not 1 <= number <= statement.current_version:
        return None
    return (StatementVersion.objects.filter(statement=statement, number=number)
            .select_related("author").first())


def _role_names(codes) -> dict[str, str]:
    return {code: gettext(name) for code, name in
            Role.objects.filter(code__in=set(codes)).values_list("code", "name")}


def _review(statement) -> dict:
    """The current review round, stage by stage: who decides, how far it is on the
    current version, its due time, and every decision taken in this round (on which
    version; those on earlier versions no longer count)."""
    progress = policy.review_progress(statement)
    open_ids = {stage.pk for stage in progress.open_stages}
    decisions: dict[int, list[ApprovalDecision]] = {}
    for decision in (ApprovalDecision.objects.filter(stage__in=progress.stages)
                     .select_related("decider").order_by("created_at", "pk")):
        decisions.setdefault(decision.stage_id, []).append(decision)
    roles = _role_names(code for stage in progress.stages for code in stage.role_codes)
    now, waiting = timezone.now(), statement.status == StatementStatus.IN_REVIEW
    rows = []
    for stage in progress.stages:
        is_open = waiting and stage.pk in open_ids
        rows.append({
            "stage": stage,
            "roles": [roles.get(code, code) for code in stage.role_codes],
            "capability": gettext(stage.capability) if stage.capability else "",
            "approvals": len(progress.approvals.get(stage.pk, ())),
            "complete": progress.is_complete(stage),
            "open": is_open,
            "overdue": is_open and stage.due_at is not None and stage.due_at < now,
            "fallback": is_open and selectors.stage_fallback_open(statement=statement,
                                                                  stage=stage),
            "decisions": decisions.get(stage.pk, []),
        })
    return {"stages": rows, "progress": progress}


def _actions(user, statement) -> dict:
    """What ``user`` may do with ``statement`` now (the services decide again on POST)."""
    incident = statement.incident
    drafter = can_draft(user, incident) and not incident.merged_into_id
    status = statement.status
    actions = {
        "edit": drafter and status in EDITABLE_STATUSES,
        "submit": drafter and status == StatementStatus.DRAFT,
        "withdraw": drafter and status in WITHDRAWABLE_STATUSES,
        "decide_stage": None, "decide_fallback": False,
        "publish": False, "publish_refusal": "",
        "comment": can_comment(user, statement),
        "correct": drafter and status == StatementStatus.PUBLISHED,
    }
    if status == StatementStatus.IN_REVIEW:
        try:
            stage, fallback = services.check_decide(
                user=user, statement=statement, version=statement.current_version,
                decision=Decision.APPROVE)
        except (PermissionDenied, ConflictError, ValidationError):
            pass
        else:
            actions["decide_stage"], actions["decide_fallback"] = stage, fallback
    if status == StatementStatus.APPROVED and can_publish(user, incident):
        actions["publish"] = True
        try:
            services.check_publish(statement=statement)
        except ConflictError as error:
            actions["publish_refusal"] = error.message
    return actions


def _publish_form(statement) -> PublishForm | None:
    """The audience to publish to, pre-checked from the statement's (approved ones only)."""
    if statement.status != StatementStatus.APPROVED:
        return None
    groups, channels = delivery_services.default_audience(statement)
    return PublishForm(statement=statement, initial={"groups": groups, "channels": channels})


def _detail_context(request, statement, shown: StatementVersion, **extra) -> dict:
    incident = statement.incident
    comments = list(StatementComment.objects.filter(statement=statement)
                    .select_related("author", "version").order_by("created_at", "pk"))
    forms = {
        "decision_form": DecisionForm(initial={"version": shown.number}),
        "comment_form": CommentForm(initial={"version": shown.number}),
        "withdraw_form": ReasonForm(),
        "publish_form": _publish_form(statement),
        **extra.pop("forms", {}),
    }
    waiting = schedule.waiting_schedule(statement)
    frame = [(FRAME_LABELS[name], getattr(shown, name)) for name in FRAME_FIELDS]
    return {
        "incident": incident, "statement": statement, "shown": shown,
        "is_current": shown.number == statement.current_version,
        "frame": frame,
        "variants": [(channel, shown.variants.get(channel.value, ""))
                     for channel in VARIANT_FIELDS.values()
                     if shown.variants.get(channel.value)],
        "unknown": drafting.unknown_placeholders(
            [statement.title, shown.body, *(value for _label, value in frame),
             *shown.variants.values()]),
        "freeze": selectors.freeze_applying(incident=incident),
        "actions": _actions(request.user, statement),
        "comments": comments,
        "versions": list(statement.versions.order_by("-number")
                         .values_list("number", flat=True)),
        "live": _live(incident),
        "schedule": waiting,
        "schedule_failed": (schedule.failed_schedule(statement) if waiting is None
                            and statement.published_at is None
                            and statement.status != StatementStatus.WITHDRAWN else None),
        "schedule_channels": schedule.channel_labels(waiting) if waiting else [],
        "may_cancel_schedule": waiting is not None and schedule.can_cancel(request.user,
                                                                           waiting),
        **_review(statement), **forms, **extra,
    }


def _detail_response(request, statement, shown=None, *, status: int = 200, **extra):
    statement = selectors.statement_get(user=request.user, pk=statement.pk)  # fresh
    if shown is None or shown.statement_id != statement.pk:
        shown = StatementVersion.objects.select_related("author").get(
            statement=statement, number=statement.current_version)
    context = _detail_context(request, statement, shown, **extra)
    template = ("comms/_statement_detail.html" if request.htmx
                and request.htmx.target == DETAIL_FRAGMENT else "comms/statement_detail.html")
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def statement_detail(request, statement_pk: int):
    """The statement as one version reads (``?version=``, the current one by default),
    its review, its comments and the actions the user may take. Redrawn live as the
    fragment ``#statement-detail``; a page left on an older version says a newer one
    was saved, and its decision buttons still name the version it shows."""
    statement = _statement(request, statement_pk)
    shown = None
    if request.GET.get("version"):
        shown = _version(statement, request.GET["version"])
        if shown is None:
            return render(request, "comms/bad_request.html",
                          {"incident": statement.incident, "statement": statement,
                           "parameter": "version",
                           "message": _("This statement has versions 1 to %(n)d.")
                           % {"n": statement.current_version}}, status=400)
    return _detail_response(request, statement, shown)


def _shown(request, statement) -> StatementVersion | None:
    """The version the posting page showed (its number in the form), if it exists."""
    return _version(statement, request.POST.get("version"))


def _statement_action(request, statement, form, act, *, success, form_name: str = ""):
    """Run one service for an action form on the statement's page. Done: back to the
    page with ``success``. Refused by the statement's state (a stale version, a freeze):
    the page again with the service's message, 409. Bad input: the page with the form's
    errors, 400. A right the user lacks: the 403 page (PermissionDenied goes up)."""
    shown = _shown(request, statement)
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ConflictError as error:
            return _detail_response(request, statement, shown, status=409,
                                    action_error=error.message,
                                    forms={form_name: form} if form_name else {})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = success() if callable(success) else success
            return redirect_with_message(request, _detail_url(statement), message)
    hidden = [labelled(name, " ".join(errors)) for name, errors in form.errors.items()
              if name in form.fields and form.fields[name].widget.is_hidden]
    return _detail_response(request, statement, shown, status=400,
                            forms={form_name: form} if form_name else {},
                            action_error=" ".join([_("Please correct the form below."),
                                                   *hidden]))


@login_required
@require_POST
def statement_submit(request, statement_pk: int):
    statement = _statement(request, statement_pk)

    def submit(_data):
        services.statement_submit(actor=request.user, statement=statement)

    return _statement_action(
        request, statement, ConfirmForm(request.POST), submit,
        success=_("Sent for approval. The people who decide the first stage were told."))


@login_required
@require_POST
def statement_decide(request, statement_pk: int):
    statement = _statement(request, statement_pk)
    form = DecisionForm(request.POST)
    messages_for = {
        Decision.APPROVE: _("Approved version %(n)s."),
        Decision.REJECT: _("Rejected version %(n)s. The author was given your reason."),
        Decision.REQUEST_CHANGES: _("Changes requested on version %(n)s. The statement is "
                                    "a draft again."),
    }

    def decide(data):
        services.statement_decide(actor=request.user, statement=statement,
                                  version=data["version"], decision=data["decision"],
                                  comment=data["comment"])

    return _statement_action(
        request, statement, form, decide, form_name="decision_form",
        success=lambda: messages_for[Decision(form.cleaned_data["decision"])]
        % {"n": form.cleaned_data["version"]})


@login_required
@require_POST
def statement_withdraw(request, statement_pk: int):
    statement = _statement(request, statement_pk)

    def withdraw(data):
        services.statement_withdraw(actor=request.user, statement=statement,
                                    reason=data["reason"])

    return _statement_action(request, statement, ReasonForm(request.POST), withdraw,
                             form_name="withdraw_form",
                             success=_("Withdrawn. It stays on record."))


@login_required
@require_POST
def statement_publish(request, statement_pk: int):
    """Publish now, or at ``publish_at`` (the "Publish at" button): a scheduled
    publication (``comms.schedule``)."""
    statement = _statement(request, statement_pk)
    result = {}

    def publish(data):
        audience = {"groups": [group.pk for group in data["groups"]],
                    "channels": data["channels"]}
        if data["when"] == PUBLISH_AT:
            result["schedule"] = schedule.publication_schedule(
                actor=request.user, statement=statement, publish_at=data["publish_at"],
                **audience)
        else:
            result["publication"] = delivery_services.statement_publish_to(
                actor=request.user, statement=statement, **audience)

    def success() -> str:
        if "schedule" in result:
            scheduled = result["schedule"]
            return _("Version %(n)s will be published at %(when)s.") % {
                "n": scheduled.version.number,
                "when": f"{timezone.localtime(scheduled.publish_at):%Y-%m-%d %H:%M %Z}"}
        return _("Version %(n)s published.") % {"n": result["publication"].version.number}

    return _statement_action(
        request, statement, PublishForm(request.POST, statement=statement), publish,
        form_name="publish_form",
        success=success)


@login_required
@require_POST
def statement_schedule_cancel(request, statement_pk: int, schedule_pk: int):
    """Cancel the statement's waiting scheduled publication."""
    statement = _statement(request, statement_pk)
    found = schedule.schedule_get(user=request.user, pk=schedule_pk)
    if found.statement_id != statement.pk:
        raise Http404("No scheduled publication of this statement.")

    def cancel(_data):
        schedule.publication_schedule_cancel(actor=request.user, schedule=found)

    return _statement_action(request, statement, ConfirmForm(request.POST), cancel,
                             success=_("The scheduled publication was cancelled."))


@login_required
@require_POST
def statement_comment(request, statement_pk: int):
    statement = _statement(request, statement_pk)
    form = CommentForm(request.POST)

    def comment(data):
        services.comment_add(actor=request.user, statement=statement, body=data["body"],
                             version=data["version"])

    return _statement_action(request, statement, form, comment, form_name="comment_form",
                             success=_("Comment added."))


# --- editing ------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def statement_edit(request, statement_pk: int):
    """The whole text again; saving makes a new version (and voids earlier approvals,
    which the page says before)."""
    statement = _statement(request, statement_pk)
    incident = statement.incident
    if not can_draft(request.user, incident):
        raise PermissionDenied(_("You may not draft statements in this incident."))
    current = StatementVersion.objects.get(statement=statement,
                                           number=statement.current_version)
    if request.method == "POST":
        form = TextForm(request.POST, language=statement.language)
    else:
        form = TextForm(language=statement.language, initial={
            "title": statement.title, "body": current.body,
            **{name: getattr(current, name) for name in FRAME_FIELDS},
            **{name: current.variants.get(channel.value, "")
               for name, channel in VARIANT_FIELDS.items()}})
    context = {
        "incident": incident, "statement": statement, "current": current, "form": form,
        "approvals": ApprovalDecision.objects.filter(
            statement=statement, version=current, decision=Decision.APPROVE).count(),
        "status_editable": statement.status in EDITABLE_STATUSES,
        # The version this page's text started from: a save from an older one is stopped.
        "base": request.POST.get("base", "") if request.method == "POST" else current.number,
    }
    if request.method == "GET":
        return render(request, "comms/statement_edit.html", context)
    base = request.POST.get("base")
    if form.is_valid():
        if base != str(statement.current_version):
            # Someone saved a version after this page opened: say so, keep the text.
            return render(request, "comms/statement_edit.html",
                          {**context, "base": current.number, "error": _(
                              "Version %(n)d was saved while you were editing. Compare it "
                              "with your text, then save again.")
                           % {"n": current.number}}, status=409)
        try:
            version = services.statement_edit(actor=request.user, statement=statement,
                                              base_version=current.number,
                                              **form.text_data())
        except ConflictError as error:
            return render(request, "comms/statement_edit.html",
                          {**context, "error": error.message}, status=409)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect_with_message(
                request, _detail_url(statement),
                _("Saved as version %(n)d.") % {"n": version.number})
    return render(request, "comms/statement_edit.html", context, status=400)


# --- versions and their differences -------------------------------------------------------------

@login_required
@require_GET
def statement_diff(request, statement_pk: int):
    """Two versions side by side (``?from=&to=``; by default the one before the current
    and the current): deletions marked on the left, insertions on the right, unchanged
    fields folded. A parameter that names no version: 400, naming it."""
    statement = _statement(request, statement_pk)
    versions = {v.number: v for v in StatementVersion.objects.filter(statement=statement)
                .select_related("author")}
    current = statement.current_version
    defaults = {"from": max(1, current - 1), "to": current}
    chosen, errors = {}, []
    for name, default in defaults.items():
        raw = request.GET.get(name)
        version = versions.get(default) if raw in (None, "") else _version(statement, raw)
        if version is None:
            errors.append(_("“%(param)s”: this statement has no version “%(value)s”; it "
                            "has versions 1 to %(n)d.")
                          % {"param": name, "value": raw, "n": current})
        chosen[name] = version or versions[default]
    old, new = chosen["from"], chosen["to"]
    context = {
        "incident": statement.incident, "statement": statement, "old": old, "new": new,
        "numbers": sorted(versions, reverse=True), "errors": errors,
        "diffs": [] if errors else version_diff(old, new),
    }
    return render(request, "comms/statement_diff.html", context,
                  status=400 if errors else 200)

