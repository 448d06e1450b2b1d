"""``/incidents/<id>/review/pdf/?version=&language=``: the review's PDF from the review
page. Ready: the file. Otherwise it is queued (when nobody asked yet) and the reader goes
back to the review page, whose PDF box shows the progress live (``review.pdf`` events) and
offers the file when it is ready. Whoever may not view the incident: 404."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.views import redirect_with_message

from . import pdf, selectors
from .models import PdfStatus
from .pdf_api import pdf_file_response


@login_required
@require_GET
def review_pdf_download(request, pk: int):
    review = selectors.review_for_incident(user=request.user, incident_pk=pk)
    try:
        version, language = pdf.check_pdf_params(review, version=request.GET.get("version"),
                                                  language=request.GET.get("language"))
    except ValidationError as error:
        parameter, messages = next(iter(error.message_dict.items()))
        return render(request, "reports/review_bad_request.html",
                      {"incident": review.incident, "parameter": parameter,
                       "message": " ".join(messages)}, status=400)
    found = pdf.pdf_request(user=request.user, version=version, language=language)
    found.refresh_from_db()  # rendered already when tasks run eagerly
    if found.status == PdfStatus.READY:
        return pdf_file_response(found)
    if found.status == PdfStatus.FAILED:
        message = _("The PDF could not be made: %(error)s") % {"error": found.error}
    else:
        message = _("The PDF of version %(n)s is being made: it is offered here when it is "
                    "ready.") % {"n": version.number}
    return redirect_with_message(request, review.get_absolute_url() + "#review-pdf", message)
