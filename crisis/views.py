from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .filters import IncidentFilter
from .forms import IncidentForm
from .permissions import can_create_incident


@login_required
@require_GET
def incident_list(request):
    incidents = IncidentFilter(request.GET, queryset=selectors.incident_list(user=request.user))
    page = Paginator(incidents.qs, 50).get_page(request.GET.get("page"))
    context = {
        "filter": incidents,
        "page": page,
        "can_create": can_create_incident(request.user),
        "is_filtered": any(v for k, v in request.GET.items() if k != "page"),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "incident-table":
        return render(request, "crisis/_incident_table.html", context)
    return render(request, "crisis/incident_list.html", context)


@login_required
@require_GET
def incident_row(request, pk: int):
    """One table row, fetched by the list page when the live feed announces an incident."""
    incident = selectors.incident_get(user=request.user, pk=pk)
    return render(request, "crisis/_incident_row.html", {"incident": incident, "fresh": True})


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request):
    if not can_create_incident(request.user):
        raise PermissionDenied(_("You may not open incidents."))
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        incident = services.incident_create(actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("%(reference)s is open. The crisis core team has been notified.")
            % {"reference": incident.reference},
        )
        return redirect(incident)
    return render(request, "crisis/incident_form.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def incident_detail(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    return render(request, "crisis/incident_detail.html", {"incident": incident})
