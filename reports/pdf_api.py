"""``GET /api/reviews/{id}/pdf/?version=&language=``: the review's PDF. While it is queued or
rendering: 202 with its progress (and it is queued when nobody asked for it yet); once
ready: 200, the file. Whoever may not view the incident: 404."""

from django.http import FileResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crisis.permissions import IncidentApiPermission

from . import pdf, selectors
from .models import PdfStatus, ReviewLanguage, ReviewPdf


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: application/pdf``; the file itself is a
    ``FileResponse``, never rendered."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ReviewPdfStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PdfStatus.choices,
                                     help_text=_("queued, rendering, or failed (asking "
                                                 "again queues it anew)."))
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text=_("Percent."))
    error = serializers.CharField(allow_blank=True, help_text=_("Why it failed."))
    url = serializers.CharField(help_text=_("Ask here again for the file."))


def pdf_status(found: ReviewPdf, *, url: str) -> dict:
    return {"status": found.status, "progress": found.progress, "error": found.error,
            "url": url}


def pdf_file_response(found: ReviewPdf) -> FileResponse:
    return FileResponse(found.file.open("rb"), as_attachment=True,
                        filename=pdf.download_name(found, found.version),
                        content_type="application/pdf")


class ReviewPdfView(APIView):
    permission_classes = [IncidentApiPermission]
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, PdfRenderer]

    @extend_schema(
        operation_id="reviews_pdf_retrieve",
        summary="Download the review as a PDF",
        description="The PDF of a version (`version`, default the newest) in a language "
                    "(`language`, default the review's). Rendered once per version, language "
                    "and revision, in the background: while it is queued or rendering the "
                    "answer is 202 with its progress (asking queues it when nobody has), "
                    "then 200 with the file. A signed-off version's PDF never changes.",
        parameters=[
            OpenApiParameter("version", int, description="Version number (default: the "
                                                         "newest)."),
            OpenApiParameter("language", str, enum=ReviewLanguage.values,
                             description="Default: the review's language."),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY,
                                                      description="The PDF file."),
            (202, "application/json"): OpenApiResponse(
                ReviewPdfStatusSerializer, description="Queued, rendering or failed: ask "
                                                       "again at `url`."),
            400: OpenApiResponse(description="No such version, or a language the review "
                                             "cannot be written in; the body names the "
                                             "field."),
            404: OpenApiResponse(description="No such review, or you may not view its "
                                             "incident."),
        },
    )
    def get(self, request, pk):
        review = selectors.review_get(user=request.user, pk=pk)
        version, language = pdf.check_pdf_params(review,
                                                  version=request.query_params.get("version"),
                                                  language=request.query_params.get("language"))
        found = pdf.pdf_request(user=request.user, version=version, language=language)
        found.refresh_from_db()  # rendered already when tasks run eagerly
        if found.status == PdfStatus.READY:
            return pdf_file_response(found)
        if isinstance(request.accepted_renderer, PdfRenderer):  # the status is JSON
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        url = (reverse("api:review-pdf", args=[review.pk]) + "?"
               + urlencode({"version": version.number, "language": language}))
        return Response(pdf_status(found, url=request.build_absolute_uri(url)),
                        status=status.HTTP_202_ACCEPTED, headers={"Retry-After": "2"})
