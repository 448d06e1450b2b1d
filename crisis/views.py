"""Pages of the incident core. Thin: a form checks the input, ONE service does the work.

Every write answers the way the caller asked: htmx gets the panel it swaps (400 with the
form's errors, 403 / 409 with a message), a plain form POST gets a redirect with a
message, or the form page again with its errors (400), so everything works without JS.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ConflictError
from core.text import join_list
from core.views import add_service_errors, form_action, redirect_with_message

from . import live, panels, selectors, services
from .choices import (
    TRANSITIONS,
    IncidentStatus,
    TaskStatus,
    is_step_back,
)
from .filters import IncidentFilter, TimelineEntryFilter
from .forms import (
    ChecklistItemForm,
    ClassifyForm,
    CorrectionForm,
    EscalateForm,
    IncidentForm,
    MergeForm,
    PinForm,
    ReasonForm,
    TaskAssignForm,
    TaskCommentForm,
    TaskCreateForm,
    TaskStatusForm,
    TimelineEntryForm,
    TransitionForm,
)
from .permissions import (
    can_contribute,
    can_create_incident,
    can_manage_incident,
    can_work_on_task,
)
from .timeline import kinds_in_use

TIMELINE_PAGE_SIZE = 25
PINNED_SHOWN = 5  # pinned entries above the timeline; the rest behind "show all"
LIST_PAGE_SIZE = 50
# The list page goes no deeper than this (1,000 incidents): further down, filters and search
# find an incident faster than paging, and every page deeper makes the database walk past
# every incident before it (OFFSET). The API pages by cursor and has no such limit.
LIST_MAX_PAGES = 20


class CappedPaginator(Paginator):
    """A Paginator that offers at most ``max_pages`` pages; a page asked for beyond them
    is the last one offered (as ``get_page`` treats any page past the end)."""

    def __init__(self, *args, max_pages: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_pages = max_pages

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, self.max_pages)

    @property
    def capped(self) -> bool:
        """More rows than the pages offered hold."""
        return self.count > self.max_pages * self.per_page

    def _get_page(self, *args, **kwargs):
        return CappedPage(*args, **kwargs)


class CappedPage(Page):
    def end_index(self) -> int:
        """The last row's number: on the last page offered, not the count's (Page's)."""
        return min(self.number * self.paginator.per_page, self.paginator.count)


def _posted(request):
    """The submitted data of a POST (even an empty one), None for a GET: unbound form."""
    return request.POST if request.method == "POST" else None


def _people():
    return selectors.assignable_people()


# --- incident list -------------------------------------------------------------------------

@login_required
@require_GET
def incident_list(request):
    incidents = IncidentFilter(request.GET, queryset=selectors.incident_list(user=request.user),
                               request=request)
    page = CappedPaginator(incidents.qs, LIST_PAGE_SIZE,
                           max_pages=LIST_MAX_PAGES).get_page(request.GET.get("page"))
    context = {
        "filter": incidents,
        "page": page,
        "can_create": can_create_incident(request.user),
        "is_filtered": any(v for k, v in request.GET.items() if k not in ("page", "drill")
                           ) or request.GET.get("drill", "include") != "include",
    }
    # A filter that cannot be applied (a time beyond year 9999 in UTC...) is named on a 400.
    status = 400 if incidents.errors else 200
    if request.htmx and request.htmx.target == "incident-table":
        response = render(request, "crisis/_incident_table.html", context, status=status)
    else:
        response = render(request, "crisis/incident_list.html", context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def incident_row(request, pk: int):
    """One table row, fetched by the list page when the live feed announces an incident."""
    incident = selectors.incident_get(user=request.user, pk=pk)
    return render(request, "crisis/_incident_row.html",
                  {"incident": incident, "fresh": request.GET.get("fresh", "1") == "1"})


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request):
    if not can_create_incident(request.user):
        raise PermissionDenied(_("You may not open incidents."))
    form = IncidentForm(_posted(request))
    return form_action(
        request, form,
        lambda data: services.incident_create(actor=request.user, **data),
        done=lambda incident: redirect_with_message(
            request, incident, _("%(reference)s is open. The crisis core team has been "
                                 "notified.") % {"reference": incident.reference}),
        page=lambda status: render(request, "crisis/incident_form.html", {"form": form},
                                   status=status))


# --- the incident room ---------------------------------------------------------------------

def _header_context(request, incident) -> dict:
    manage = can_manage_incident(request.user, incident)
    next_states = [] if incident.merged_into_id else list(TRANSITIONS[IncidentStatus(
        incident.status)])
    return {
        "incident": incident,
        "clocks": selectors.incident_clocks(incident=incident),
        "can_manage": manage,
        "next_states": next_states if manage else [],
        "is_closed": incident.status == IncidentStatus.CLOSED,
        "merged_into": selectors.merged_into_for(user=request.user, incident=incident),
    }


def _timeline_context(request, incident) -> dict:
    entries = selectors.timeline_for(user=request.user, incident=incident).prefetch_related(
        "corrections")
    entry_filter = TimelineEntryFilter(request.GET, queryset=entries)
    filtered = entry_filter.qs if entry_filter.is_valid() else entries
    page = Paginator(filtered, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    # The newest few pinned entries, each carrying how many there are (a window count:
    # one query); "show all" is the timeline filtered to pinned entries.
    pinned = list(entries.filter(pinned=True).annotate(pinned_total=Window(Count("pk")))
                  [:PINNED_SHOWN])
    prepare_entries([*page, *pinned])
    is_filtered = any(request.GET.get(k) for k in ("kind", "actor", "pinned"))
    people_ids = selectors.timeline_for(user=request.user, incident=incident).exclude(
        actor=None).values("actor_id")
    return {
        "incident": incident,
        "entry_filter": entry_filter,
        "entries_page": page,
        "pinned_entries": pinned,
        "pinned_total": pinned[0].pinned_total if pinned else 0,
        # One query for every @name on the page (highlighted when it is somebody's).
        "known_mentions": services.mentions_in(
            "\n".join(entry.body for entry in [*page, *pinned]))[0],
        "timeline_people": _people().filter(pk__in=people_ids),
        "timeline_kinds": kinds_in_use(),
        "timeline_filtered": is_filtered,
        "timeline_live": not is_filtered and page.number == 1,
        "can_contribute": can_contribute(request.user, incident),
    }


_TASK_ID, _ITEM_ID = 918273645546372819, 192837465564738291  # stand-ins no real id takes


def prepare_entries(entries) -> None:
    """Each entry's pin and correct URLs for ``crisis/_timeline_entry.html``, from one
    reverse() each filled in per entry (three reverse() an entry were a fifth of the
    timeline's time)."""
    pin_url, correct_url = (reverse(name, args=[_TASK_ID]) for name in (
        "crisis:timeline-pin", "crisis:timeline-correct"))
    for entry in entries:
        key = str(entry.pk)
        entry.pin_url = pin_url.replace(str(_TASK_ID), key)
        entry.correct_url = correct_url.replace(str(_TASK_ID), key)


def prepare_tasks(tasks, *, user, incident, open_task: str = "") -> None:
    """What ``crisis/_task.html`` shows of each task, worked out once in Python (forty tasks
    a room: the template's own lookups, URL reversals and loops over the prefetched rows
    were most of the room's time): its URLs, checklist items, comments, whether it is
    overdue or finished, the version live redraws compare, and whether its forms are drawn
    (``open_task``: the one named by ``?task=``)."""
    room_url = incident.get_absolute_url()
    # Reversed once with stand-in ids, filled in per task and item (a reverse() each was
    # more than half of this function's time).
    task_url, status_url, item_url = (
        reverse(name, args=args) for name, args in (
            ("crisis:task", [_TASK_ID]), ("crisis:task-status", [_TASK_ID]),
            ("crisis:checklist-item", [_TASK_ID, _ITEM_ID])))
    items, comments = selectors.task_parts(tasks)
    for task in tasks:
        task.incident = incident  # the same object: no query per task for permission checks
        task.key = str(task.pk)
        task.can_work = can_work_on_task(user, task)
        task.forms_here = task.can_work and task.key == open_task
        task.url = task_url.replace(str(_TASK_ID), task.key)
        task.status_url = status_url.replace(str(_TASK_ID), task.key)
        task.open_url = f"{room_url}?task={task.pk}#task-{task.pk}"
        task.items = items[task.pk]
        for item in task.items:
            item.url = (item_url.replace(str(_TASK_ID), task.key)
                        .replace(str(_ITEM_ID), str(item.pk)))
        task.comment_list = comments[task.pk]
        task.finished = TaskStatus(task.status).is_finished
        task.overdue = task.is_overdue
        due = str(int(task.due_at.timestamp())) if task.due_at else ""
        task.version = "|".join((
            task.status, str(task.owner_id), due, "1" if task.overdue else "0",
            str(len(task.status_reason)),
            "".join("1" if item.done else "0" for item in task.items),
            str(len(task.comment_list))))


def _checklist_context(request, incident) -> dict:
    """Each task's forms (status, owner, comment) are fetched when its details open
    (``task_detail``); only the task named by ``?task=`` has them on the page (the way
    there without JavaScript). Forty tasks each carrying an owner list of everyone who may
    view the incident made the room's largest and slowest part."""
    tasks = list(selectors.tasks_of(user=request.user, incident=incident))
    prepare_tasks(tasks, user=request.user, incident=incident,
                  open_task=request.GET.get("task", ""))
    contribute = can_contribute(request.user, incident)
    people = (list(selectors.people_who_may_view(incident))
              if any(t.forms_here for t in tasks) else [])
    return {
        "incident": incident,
        "tasks": tasks,
        "tasks_open": sum(1 for t in tasks if not TaskStatus(t.status).is_finished),
        "tasks_total": len(tasks),
        "people": people,
        "task_statuses": TaskStatus.choices,
        "can_contribute": contribute,
        "is_closed": incident.status == IncidentStatus.CLOSED,
        "task_create_form": TaskCreateForm(people=selectors.people_who_may_view(incident),
                                           auto_id="id_newtask_%s"),
        "known_mentions": _known_mentions(c.body for t in tasks for c in t.comment_list),
    }


def _room_response(request, incident, *, status=200, **extra):
    # Read before the panels: an event committed while they render is replayed, not lost.
    seq = live.last_seq(incident.pk)
    context = {"seq": seq, **panels.room_context(request, incident),
               "composer": extra.pop("composer", None) or TimelineEntryForm(),
               "room": True, **extra}
    return render(request, "crisis/incident_detail.html", context, status=status)


def register_room_panels() -> None:
    """The incident core's own panels (crisis.apps calls this in ready())."""
    for panel in (
        panels.RoomPanel("room-header", "crisis/_room_header.html", _header_context,
                         column=panels.HEADER),
        panels.RoomPanel("timeline-panel", "crisis/_timeline.html", _timeline_context,
                         column=panels.MAIN),
        panels.RoomPanel("checklist-panel", "crisis/_checklist.html", _checklist_context,
                         position=200, label=gettext_lazy("Checklist"), lazy=True),
        panels.RoomPanel("classification-panel", "crisis/_classification.html",
                         _header_context, position=300, label=gettext_lazy("Classification"),
                         lazy=True),
    ):
        panels.register(panel)


@login_required
@require_GET
def incident_detail(request, pk: int):
    """The incident room. htmx and room.js fetch single panels by their HX-Target, and the
    page's lazy panels all at once (``panels.LAZY_ID``) after it has loaded."""
    incident = selectors.incident_get(user=request.user, pk=pk)
    target = request.htmx.target if request.htmx else None
    panel = panels.room_panel(target) if target else None
    if panel is not None:
        response = render(request, panel.template, panel.context(request, incident))
    elif target == panels.LAZY_ID:
        response = render(request, "crisis/_room_lazy_panels.html",
                          panels.lazy_context(request, incident))
    else:
        response = _room_response(request, incident)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _room_url(incident, anchor: str = "") -> str:
    return incident.get_absolute_url() + (f"#{anchor}" if anchor else "")


# --- actions on the incident (their own pages: one thing per page, confirm what happens) ---

def _incident_action(request, incident, form, act, *, template: str, success,
                     context: dict | None = None):
    """An action page on one incident: ``act(data)`` calls its service; after it, back
    to the room of the incident it returns saying ``success`` (text, or a function of that
    incident); refused by the incident's state, back with why."""
    return form_action(
        request, form, act,
        done=lambda result: redirect_with_message(
            request, _room_url(result), success(result) if callable(success) else success),
        page=lambda status: render(request, template,
                                   {"incident": incident, **(context or {}), "form": form},
                                   status=status),
        conflict_to=_room_url(incident))


TRANSITION_CONSEQUENCES = {
    IncidentStatus.ACTIVE: gettext_lazy(
        "The response is running: the acknowledged time is recorded."),
    IncidentStatus.CONTAINED: gettext_lazy(
        "The spread is under control: the contained time is recorded."),
    IncidentStatus.RECOVERING: gettext_lazy(
        "The incident is resolved and trust is being rebuilt: the resolved time is recorded."),
    IncidentStatus.CLOSED: gettext_lazy(
        "Nothing more can be written in the room until someone reopens it. Every task must be "
        "done or waived."),
}


@login_required
@require_http_methods(["GET", "POST"])
def incident_transition(request, pk: int, to_status: str):
    incident = selectors.incident_get(user=request.user, pk=pk)
    try:
        target = IncidentStatus(to_status)
    except ValueError:
        raise Http404("No such status.") from None
    if not can_manage_incident(request.user, incident):
        raise PermissionDenied(_("You may not change this incident."))
    current = IncidentStatus(incident.status)
    step_back = is_step_back(current, target)
    try:
        services.check_transition(incident=incident, to_status=target)
        refusal = ""
    except ConflictError as error:
        refusal = error.message
    context = {
        "target": target, "current": current, "step_back": step_back,
        "refusal": refusal, "consequence": TRANSITION_CONSEQUENCES.get(target, ""),
    }
    return _incident_action(
        request, incident, TransitionForm(_posted(request), reason_required=step_back),
        lambda data: services.incident_transition(actor=request.user, incident=incident,
                                                  to_status=target, reason=data["reason"]),
        template="crisis/incident_transition.html", context=context,
        success=_("%(ref)s is now %(status)s.") % {"ref": incident.reference,
                                                   "status": target.label})


@login_required
@require_http_methods(["GET", "POST"])
def incident_reopen(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    if not can_manage_incident(request.user, incident):
        raise PermissionDenied(_("You may not change this incident."))
    return _incident_action(
        request, incident, ReasonForm(_posted(request)),
        lambda data: services.incident_reopen(actor=request.user, incident=incident,
                                              reason=data["reason"]),
        template="crisis/incident_reopen.html",
        success=_("%(ref)s is open again.") % {"ref": incident.reference})


@login_required
@require_http_methods(["GET", "POST"])
def incident_escalate(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    if not can_manage_incident(request.user, incident):
        raise PermissionDenied(_("You may not change this incident."))
    return _incident_action(
        request, incident, EscalateForm(_posted(request)),
        lambda data: services.incident_escalate(actor=request.user, incident=incident, **data),
        template="crisis/incident_escalate.html",
        success=_("%(ref)s: severity and warning level updated.")
        % {"ref": incident.reference})


@login_required
@require_http_methods(["GET", "POST"])
def incident_classify(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    if not can_manage_incident(request.user, incident):
        raise PermissionDenied(_("You may not change this incident."))
    return _incident_action(
        request, incident, ClassifyForm.for_incident(incident, _posted(request)),
        lambda data: services.incident_classify(actor=request.user, incident=incident, **data),
        template="crisis/incident_classify.html",
        success=_("%(ref)s: classification saved.") % {"ref": incident.reference})


@login_required
@require_http_methods(["GET", "POST"])
def incident_merge(request, pk: int):
    """Two steps: name the incident, see it (reference, title, severity, confidentiality,
    drill) with what the service's rule (``check_merge``) says, then confirm that one."""
    incident = selectors.incident_get(user=request.user, pk=pk)
    if not can_manage_incident(request.user, incident):
        raise PermissionDenied(_("You may not change this incident."))
    form = MergeForm(_posted(request))
    context = {"entry_count": incident.timeline.count(), "task_count": incident.tasks.count()}

    def target(into: int):
        survivor = selectors.incident_list(user=request.user).filter(pk=into).first()
        if survivor is None:
            raise ValidationError({"into": [_("No incident with that reference.")]})
        return survivor

    if form.is_bound and form.is_valid() and form.cleaned_data["confirm"] != \
            form.cleaned_data["into"]:
        # Not confirmed yet, or confirmed for another incident than the one named now.
        try:
            survivor = target(form.cleaned_data["into"])
            services.check_merge(duplicate=incident, survivor=survivor)
        except ValidationError as error:
            add_service_errors(form, error)
        except ConflictError as error:
            form.add_error("into", error.message)
        else:
            form = MergeForm(initial={**form.cleaned_data, "into": survivor.reference,
                                      "confirm": survivor.pk})
            context["target"] = survivor
        return render(request, "crisis/incident_merge.html",
                      {"incident": incident, **context, "form": form},
                      status=400 if form.errors else 200)

    def merge(data):
        return services.incident_merge(actor=request.user, duplicate=incident,
                                       survivor=target(data["into"]), reason=data["reason"])

    return _incident_action(
        request, incident, form, merge, template="crisis/incident_merge.html",
        context=context,
        success=lambda survivor: _("%(ref)s was merged into %(into)s.")
        % {"ref": incident.reference, "into": survivor.reference})


# --- timeline ------------------------------------------------------------------------------

def _entry_queryset(request, incident):
    return selectors.timeline_for(user=request.user, incident=incident).prefetch_related(
        "corrections")


def _render_entry(request, entry, incident, *, status=200, error=""):
    prepare_entries([entry])
    return render(request, "crisis/_timeline_entry.html",
                  {"entry": entry, "incident": incident, "fresh": True, "entry_error": error,
                   "can_contribute": can_contribute(request.user, incident)}, status=status)


@login_required
@require_GET
def timeline_entry(request, entry_pk: int):
    """One entry, fetched by the room when the live stream announces it."""
    found = selectors.timeline_entry_get(user=request.user, pk=entry_pk)
    entry = _entry_queryset(request, found.incident).get(pk=found.pk)
    return _render_entry(request, entry, found.incident)


def _render_composer(request, incident, form, *, status=200, error="", posted=False,
                     unknown=""):
    response = render(request, "crisis/_composer.html",
                      {"incident": incident, "composer": form, "composer_error": error,
                       "composer_posted": posted, "composer_unknown": unknown}, status=status)
    return response


def _unknown_mentions(written) -> str:
    """What the writer is told about ``@names`` in an entry or comment (``written``) that
    are nobody's (empty when every name was recognised). It is saved either way."""
    names = getattr(written, "unknown_mentions", [])
    if not names:
        return ""
    return _("Saved. Names not recognised: %(names)s. Nobody by these names was told; use "
             "the person's username after @.") % {"names": join_list(f"@{n}" for n in names)}


def _added(request, entry, to: str, message: str):
    """After an entry was written: back to it, saying so (and which names were unknown)."""
    unknown = _unknown_mentions(entry)
    if unknown:
        messages.warning(request, unknown)
    return redirect_with_message(request, to, message)


@login_required
@require_POST
def timeline_add(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    form = TimelineEntryForm(request.POST)

    def composer(*, status: int, error: str = "", result=None):
        if result is None:
            return _render_composer(request, incident, form, status=status, error=error)
        response = _render_composer(request, incident, TimelineEntryForm(), posted=True,
                                    unknown=_unknown_mentions(result))
        response["HX-Trigger"] = f'{{"cd:entry": {{"id": {result.pk}}}}}'
        return response

    def room_again(status: int):
        if not can_contribute(request.user, incident):
            raise PermissionDenied(_("You may not write in this incident."))
        return _room_response(request, incident, status=status, composer=form)

    return form_action(
        request, form,
        lambda data: services.timeline_entry_add(actor=request.user, incident=incident, **data),
        done=lambda entry: _added(request, entry, _room_url(incident, f"entry-{entry.pk}"),
                                  _("Added to the timeline.")),
        page=room_again, panel=composer, conflict_to=_room_url(incident, "timeline"))


@login_required
@require_http_methods(["GET", "POST"])
def timeline_correct(request, entry_pk: int):
    entry = selectors.timeline_entry_get(user=request.user, pk=entry_pk)
    incident = entry.incident
    if not can_contribute(request.user, incident):
        raise PermissionDenied(_("You may not write in this incident."))
    form = CorrectionForm(_posted(request))
    return form_action(
        request, form,
        lambda data: services.timeline_entry_add(actor=request.user, incident=incident,
                                                 body=data["body"], corrects=entry),
        done=lambda correction: _added(
            request, correction, _room_url(incident, f"entry-{correction.pk}"),
            _("Correction added to the timeline.")),
        page=lambda status: render(
            request, "crisis/timeline_correct.html",
            {"incident": incident, "entry": _entry_queryset(request, incident).get(pk=entry.pk),
             "form": form}, status=status),
        conflict_to=_room_url(incident, f"entry-{entry.pk}"))


@login_required
@require_POST
def timeline_pin(request, entry_pk: int):
    entry = selectors.timeline_entry_get(user=request.user, pk=entry_pk)
    incident = entry.incident

    def entry_panel(*, status: int, error: str = "", result=None):
        full = _entry_queryset(request, incident).get(pk=entry.pk)
        return _render_entry(request, full, incident, status=status, error=error)

    return form_action(
        request, PinForm(request.POST),
        lambda data: services.timeline_entry_pin(actor=request.user, entry=entry,
                                                 pinned=data.get("pinned", False)),
        done=lambda _entry: redirect(_room_url(incident, f"entry-{entry.pk}")),
        panel=entry_panel, conflict_to=_room_url(incident, f"entry-{entry.pk}"))


# --- tasks ---------------------------------------------------------------------------------

def _known_mentions(texts) -> set[str]:
    """Every ``@username`` of a known person in ``texts``, in one query (for highlighting)."""
    return services.mentions_in("\n".join(texts))[0]


def _task_context(request, task, *, forms=None) -> dict:
    """What a task item needs; the owner list only when its forms are drawn (``forms``:
    the bound forms of an answer with errors, or ``{}`` for the forms fetched alone)."""
    prepare_tasks([task], user=request.user, incident=task.incident)
    contribute = can_contribute(request.user, task.incident)
    with_forms = forms is not None and task.can_work
    return {
        "task": task, "incident": task.incident,
        "task_statuses": TaskStatus.choices, "can_contribute": contribute,
        "people": (list(selectors.people_who_may_view(task.incident))
                   if with_forms and contribute else []),
        "is_closed": task.incident.status == IncidentStatus.CLOSED,
        **(forms or {}),
    }


def _render_task(request, task, *, status=200, error="", forms=None, notice=""):
    """One task item, with the checklist's counts swapped out of band beside it."""
    context = {
        **_task_context(request, task, forms=forms), "task_error": error,
        "task_notice": notice,
        "known_mentions": _known_mentions(c.body for c in task.comment_list),
        **selectors.task_counts(user=request.user, incident=task.incident),
    }
    return render(request, "crisis/_task_item.html", context, status=status)


@login_required
@require_GET
def task_detail(request, task_pk: int):
    """One task item, fetched by the room when the live stream says it changed; or its
    forms alone (HX-Target ``task-<id>-forms``), fetched when its details open."""
    task = selectors.task_get(user=request.user, pk=task_pk)
    if not request.htmx:
        return redirect(_room_url(task.incident, f"task-{task.pk}"))
    if request.htmx.target == f"task-{task.pk}-forms":
        context = _task_context(request, task, forms={})
        if not context["task"].can_work or context["is_closed"]:
            return HttpResponse("")  # nothing they may change: the details show no forms
        return render(request, "crisis/_task_forms.html", context)
    return _render_task(request, _fresh_task(request, task))


def _fresh_task(request, task):
    return selectors.tasks_of(user=request.user, incident=task.incident).get(pk=task.pk)


def _task_action(request, task, form, call, *, form_name: str, success: str):
    """Run one task service for a task panel form, answering htmx or a plain POST."""
    def task_panel(*, status: int, error: str = "", result=None):
        forms = {form_name: form} if status == 400 else None
        return _render_task(request, _fresh_task(request, task), status=status, error=error,
                            forms=forms, notice=_unknown_mentions(result))

    def form_page(status: int):
        if not can_work_on_task(request.user, task):
            raise PermissionDenied(_("You may not work on this task."))
        return render(request, "crisis/task_form_page.html",
                      {"task": task, "incident": task.incident, "form": form,
                       "form_name": form_name}, status=400)

    return form_action(
        request, form, call,
        done=lambda result: _added(request, result, _room_url(task.incident, f"task-{task.pk}"),
                                   success),
        page=form_page, panel=task_panel,
        conflict_to=_room_url(task.incident, f"task-{task.pk}"))


@login_required
@require_POST
def task_status(request, task_pk: int):
    task = selectors.task_get(user=request.user, pk=task_pk)
    return _task_action(
        request, task, TaskStatusForm(request.POST),
        lambda data: services.task_set_status(actor=request.user, task=task, **data),
        form_name="status_form", success=_("Task updated."))


@login_required
@require_POST
def task_assign(request, task_pk: int):
    task = selectors.task_get(user=request.user, pk=task_pk)
    return _task_action(
        request, task, TaskAssignForm(request.POST, people=_people()),
        lambda data: services.task_assign(actor=request.user, task=task, owner=data["owner"]),
        form_name="assign_form", success=_("Owner changed."))


@login_required
@require_POST
def task_comment(request, task_pk: int):
    task = selectors.task_get(user=request.user, pk=task_pk)
    return _task_action(
        request, task, TaskCommentForm(request.POST),
        lambda data: services.task_comment_add(actor=request.user, task=task, **data),
        form_name="comment_form", success=_("Comment added."))


@login_required
@require_POST
def checklist_item(request, task_pk: int, item_pk: int):
    task = selectors.task_get(user=request.user, pk=task_pk)
    item = selectors.checklist_item_get(user=request.user, task=task, pk=item_pk)
    return _task_action(
        request, task, ChecklistItemForm(request.POST),
        lambda data: services.checklist_item_set(actor=request.user, item=item,
                                                 done=data["done"]),
        form_name="checklist_form", success=_("Checklist updated."))


@login_required
@require_POST
def task_create(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    form = TaskCreateForm(request.POST, people=_people(), auto_id="id_newtask_%s")

    def checklist(*, status: int, error: str = "", result=None):
        context = _checklist_context(request, incident)
        if status != 200:
            context.update(task_create_form=form, task_create_error=error,
                           task_create_open=True)
        return render(request, "crisis/_checklist.html", context, status=status)

    def form_page(status: int):
        if not can_contribute(request.user, incident):
            raise PermissionDenied(_("You may not write in this incident."))
        return render(request, "crisis/task_form_page.html",
                      {"incident": incident, "form": form, "form_name": "create_form"},
                      status=400)

    return form_action(
        request, form,
        lambda data: services.task_create(actor=request.user, incident=incident, **data),
        done=lambda _task: redirect_with_message(request, _room_url(incident, "checklist"),
                                                 _("Task added.")),
        page=form_page, panel=checklist, conflict_to=_room_url(incident, "checklist"))
