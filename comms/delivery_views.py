"""A publication's page: how far its deliveries got per group and channel (redrawn live
from ``delivery.changed``), the failed ones with their reasons, and resending one by hand.
A publication of an incident the user may not view is not found (404)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import ConflictError
from core.views import redirect_with_message
from crisis import live

from . import delivery, delivery_services, selectors
from .choices import StatementKind
from .permissions import can_publish

FRAGMENT = "publication-progress"


def _context(request, publication) -> dict:
    incident = publication.statement.incident
    rows, totals = delivery.publication_progress(publication)
    see_recipients = delivery.may_see_recipients(request.user, incident)
    return {
        "incident": incident, "publication": publication, "statement": publication.statement,
        "rows": rows, "totals": totals, "statuses": delivery.SHOWN_STATUSES,
        "groups": list(publication.target.groups.all()) if hasattr(publication, "target")
        else [],
        "failed": delivery.failed_deliveries(publication) if see_recipients else [],
        "see_recipients": see_recipients,
        "may_resend": delivery_services.can_resend_in(request.user, incident),
        "live": {"stream": f"/ws/incidents/{incident.pk}/", "seq": live.last_seq(incident.pk)},
    }


@login_required
@require_GET
def publication_detail(request, publication_pk: int):
    publication = delivery.publication_get(user=request.user, pk=publication_pk)
    context = _context(request, publication)
    if request.htmx and request.htmx.target == FRAGMENT:
        return render(request, "comms/delivery/_progress.html", context)
    return render(request, "comms/delivery/publication_detail.html", context)


@login_required
@require_POST
def delivery_resend(request, delivery_pk: int):
    """Send one failed delivery again; anything else is refused (409) with the page."""
    found = delivery.delivery_get(user=request.user, pk=delivery_pk)
    url = reverse("crisis:publication-detail", args=[found.publication_id])
    if not delivery_services.can_resend(request.user, found):
        raise PermissionDenied(_("You may not publish statements in this incident."))
    try:
        delivery_services.delivery_resend(actor=request.user, delivery=found)
    except ConflictError as error:
        publication = delivery.publication_get(user=request.user, pk=found.publication_id)
        return render(request, "comms/delivery/publication_detail.html",
                      {**_context(request, publication), "action_error": error.message},
                      status=409)
    return redirect_with_message(request, url, _("Sending to %(recipient)s again.")
                                 % {"recipient": found.recipient_name})


@login_required
@require_GET
def publish_recipients(request, statement_pk: int):
    """How many would receive the statement, per channel, for the groups and channels
    ticked in its publish step (``groups``, ``channels`` in the query): the step redraws it
    on every change, so the confirmation says who hears it before anyone presses it."""
    statement = selectors.statement_get(user=request.user, pk=statement_pk)
    if not can_publish(request.user, statement.incident):
        raise PermissionDenied(_("You may not publish statements in this incident."))
    groups, channels = request.GET.getlist("groups"), request.GET.getlist("channels")
    context = {"statement": statement, "counts": [], "errors": [],
               "public": StatementKind(statement.kind).is_public}
    try:
        context["counts"] = delivery_services.recipients_count(
            statement=statement, groups=groups, channels=channels)
    except ValidationError as error:
        context["errors"] = error.messages
    return render(request, "comms/delivery/_recipients.html", context,
                  status=400 if context["errors"] else 200)
