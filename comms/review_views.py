"""The reviewer's pages: the approval queue (what waits for my decision, with the exact
text and the diff against what I last saw) and the publishing freezes (the kill switch).
Thin: a form checks the shape, one service decides (``comms.services``); every refusal is
a message or an inline error, never a 500."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from core.errors import ConflictError
from core.forms import IdField, TextField
from core.views import form_action, redirect_with_message
from crisis.choices import IncidentStatus
from crisis.forms import StyledFormMixin
from crisis.models import Incident
from crisis.permissions import MANAGE_INCIDENT, codename, is_active
from teams.models import User

from . import selectors, services
from .choices import Decision, VariantChannel
from .diff import version_diff
from .models import FRAME_LABELS, PublishingFreeze, StatementVersion
from .permissions import FREEZE_PUBLISHING, can_freeze

HISTORY_SHOWN = 50


# --- forms (shape only; the services decide) -------------------------------------------------

class DecisionForm(forms.Form):
    version = IdField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.HiddenInput)
    comment = TextField(label=gettext_lazy("Reason"), required=False, max_length=4_000,
                        widget=forms.Textarea(attrs={"rows": 2}),
                        help_text=gettext_lazy("Required to reject or to request changes: "
                                               "the author reads it."))


class FreezeForm(StyledFormMixin, forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("Freeze publishing in"))
    reason = TextField(label=gettext_lazy("Reason"), max_length=4_000,
                       widget=forms.Textarea(attrs={"rows": 2}),
                       help_text=gettext_lazy("Publishing is refused with this reason until "
                                              "the freeze is lifted."))

    ORGANISATION = "all"

    def __init__(self, *args, user, incidents, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if can_freeze(user, None):
            choices.append((self.ORGANISATION, _("Every incident (organisation-wide)")))
        choices += [(str(i.pk), f"{i.reference} · {i.title}") for i in incidents]
        self.fields["scope"].choices = choices
        self.incidents = {str(i.pk): i for i in incidents}

    def clean_scope(self):
        scope = self.cleaned_data["scope"]
        return None if scope == self.ORGANISATION else self.incidents[scope]


# --- the approval queue ----------------------------------------------------------------------

def statement_url(statement) -> str:
    return reverse("crisis:statement-detail", args=[statement.pk])


def _frame(version) -> list[tuple[str, str]]:
    return [(label, getattr(version, name)) for name, label in FRAME_LABELS.items()
            if getattr(version, name)]


def queue_entries(items, *, forms_by_statement=None, errors=None) -> list[dict]:
    """What the queue shows of each item: the text, the diff from the version last seen
    (one query for all of them) and its decision form."""
    forms_by_statement, errors = forms_by_statement or {}, errors or {}
    wanted = Q(pk__in=[])
    for item in items:
        if item.last_seen and item.last_seen != item.version.number:
            wanted |= Q(statement_id=item.statement.pk, number=item.last_seen)
    seen = {(v.statement_id, v.number): v for v in StatementVersion.objects.filter(wanted)}
    authors = User.objects.in_bulk({item.version.author_id for item in items})
    for item in items:
        item.version.author = authors[item.version.author_id]
    entries = []
    for item in items:
        version, last = item.version, seen.get((item.statement.pk, item.last_seen))
        entries.append({
            "item": item, "statement": item.statement, "version": version,
            "frame": _frame(version),
            "variants": [(VariantChannel(channel).label if channel in VariantChannel.values
                          else channel, text)
                         for channel, text in sorted((version.variants or {}).items())],
            "short_hash": version.content_hash[:12],
            "diff": [d for d in version_diff(last, version) if d.changed] if last else None,
            "url": statement_url(item.statement),
            "form": forms_by_statement.get(item.statement.pk)
            or DecisionForm(initial={"version": version.number},
                            auto_id=f"id_q{item.statement.pk}_%s"),
            "error": errors.get(item.statement.pk, ""),
        })
    return entries


QUEUE_PAGE_SIZE = 20  # each item carries its whole text, diff and decision forms


def _queue_context(request, **extra) -> dict:
    """A page of the queue (``?page=``): every item counted, only the page's texts loaded
    and drawn."""
    items = selectors.queue_items(user=request.user)
    page = Paginator(items, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = selectors.with_versions(list(page.object_list))
    return {"entries": queue_entries(shown, forms_by_statement=extra.pop("forms", None),
                                     errors=extra.pop("errors", None)),
            "count": len(items), "page": page, **extra}


@login_required
@require_GET
def approval_queue(request):
    """Waiting for my approval: the page, and (htmx) its list again when a live event or
    a notification says the queue may have changed."""
    if request.htmx and request.htmx.target == "approval-queue":
        return render(request, "comms/review/_queue.html", _queue_context(request))
    return render(request, "comms/review/approval_queue.html", _queue_context(request))


@login_required
@require_POST
def approval_decide(request, pk: int):
    """Approve, reject or request changes to the version shown (its number is posted)."""
    statement = selectors.statement_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST, auto_id=f"id_q{statement.pk}_%s")

    def decided(decision) -> str:
        return {
            Decision.APPROVE: _("You approved version %(version)d of “%(title)s”."),
            Decision.REJECT: _("You rejected version %(version)d of “%(title)s”."),
            Decision.REQUEST_CHANGES: _("You asked for changes to version %(version)d of "
                                        "“%(title)s”."),
        }[decision.decision] % {"version": decision.version_number, "title": statement.title}

    def item(*, status: int, error: str = "", result=None):
        if status == 200:  # decided: the queue again, without it
            response = render(request, "comms/review/_queue.html",
                              _queue_context(request, done=decided(result)))
            return reswap(retarget(response, "#approval-queue"), "outerHTML")
        entries = queue_entries(
            selectors.with_versions([i for i in selectors.queue_items(user=request.user)
                                     if i.statement.pk == statement.pk]),
            forms_by_statement={statement.pk: form}, errors={statement.pk: error})
        if not entries:  # no longer waiting for me (decided, edited away, withdrawn)
            response = render(request, "comms/review/_queue.html",
                              _queue_context(request, refused=error), status=status)
            return reswap(retarget(response, "#approval-queue"), "outerHTML")
        return render(request, "comms/review/_queue_item.html", {"entry": entries[0]},
                      status=status)

    def page(status: int):
        return render(request, "comms/review/approval_queue.html",
                      _queue_context(request, forms={statement.pk: form}), status=status)

    def act(data):
        return services.statement_decide(actor=request.user, statement=statement,
                                         version=data["version"], decision=data["decision"],
                                         comment=data["comment"])

    try:
        return form_action(request, form, act,
                           done=lambda made: redirect_with_message(request, "approval-queue",
                                                                   decided(made)),
                           page=page, panel=item, conflict_to="approval-queue")
    except PermissionDenied as error:  # a plain POST: the queue, saying why
        messages.error(request, str(error) or _("You may not decide on this statement."))
        return redirect("approval-queue")


# --- publishing freezes ----------------------------------------------------------------------

def freezable_incidents(user):
    """The open incidents ``user`` may freeze publishing in (``can_freeze``): every one
    they may view with the global right, else those they run."""
    if not is_active(user):
        return Incident.objects.none()
    incidents = (Incident.objects.visible_to(user).exclude(status=IncidentStatus.CLOSED)
                 .order_by("-detected_at", "-pk"))
    if user.has_perm(FREEZE_PUBLISHING) or user.has_perm(MANAGE_INCIDENT):
        return incidents
    return incidents.filter(
        incidentuserobjectpermission__user=user,
        incidentuserobjectpermission__permission__codename=codename(MANAGE_INCIDENT)
    ).distinct()


def visible_freezes(user):
    """Organisation-wide freezes and those of incidents ``user`` may view."""
    return (PublishingFreeze.objects
            .filter(Q(incident__isnull=True)
                    | Q(incident__in=Incident.objects.visible_to(user).values("pk")))
            .select_related("incident", "created_by", "lifted_by"))


def _freezes_page(request, form, *, status: int = 200):
    freezes = visible_freezes(request.user)
    active = list(freezes.filter(lifted_at__isnull=True).order_by("-created_at", "-pk"))
    for freeze in active:
        freeze.may_lift = can_freeze(request.user, freeze.incident)
    return render(request, "comms/review/publishing_freezes.html", {
        "form": form if form.fields["scope"].choices else None,
        "active": active,
        "history": list(freezes.filter(lifted_at__isnull=False)
                        .order_by("-lifted_at", "-pk")[:HISTORY_SHOWN]),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def publishing_freezes(request):
    """Active freezes, their history, and (for those who may) the form to freeze."""
    incidents = list(freezable_incidents(request.user))
    form = FreezeForm(request.POST if request.method == "POST" else None,
                      user=request.user, incidents=incidents)
    if request.method == "POST" and not form.fields["scope"].choices:
        raise PermissionDenied(_("You may not freeze publishing."))
    return form_action(
        request, form,
        lambda data: services.freeze_create(actor=request.user, reason=data["reason"],
                                            incident=data["scope"]),
        done=lambda freeze: redirect_with_message(
            request, "publishing-freezes",
            _("Publishing is frozen in %(ref)s.") % {"ref": freeze.incident.reference}
            if freeze.incident_id else _("Publishing is frozen everywhere.")),
        page=lambda status: _freezes_page(request, form, status=status),
        conflict_to="publishing-freezes")


@login_required
@require_POST
def publishing_freeze_lift(request, pk: int):
    freeze = visible_freezes(request.user).filter(pk=pk).first()
    if freeze is None:
        raise Http404("No such freeze.")
    try:
        services.freeze_lift(actor=request.user, freeze=freeze)
    except (ConflictError, PermissionDenied, ValidationError) as error:
        message = error.message if isinstance(error, ConflictError) else (
            " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
        messages.error(request, message)
        return redirect("publishing-freezes")
    return redirect_with_message(request, "publishing-freezes",
                                 _("The freeze is lifted: publishing may resume."))

