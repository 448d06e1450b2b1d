from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from crisis import selectors

from .rendering import render_incident_summary_pdf


@login_required
@require_GET
def incident_summary_pdf(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    response = HttpResponse(render_incident_summary_pdf(incident=incident),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}-summary.pdf"'
    return response
