"""Reports: pages under /incidents/ (namespace "crisis"), the API's viewsets
(``api_routes``, registered on the root router) and its other routes under /api/
(``api_patterns``, namespace "api"), and top-level pages (``urlpatterns``)."""

from django.urls import path

from . import pdf_api, pdf_views, views
from .api import api_routes

__all__ = ["api_patterns", "api_routes", "incident_patterns", "urlpatterns"]

incident_patterns = [
    path("<int:pk>/summary.pdf", views.incident_summary_pdf, name="incident-summary-pdf"),
    path("<int:pk>/review/pdf/", pdf_views.review_pdf_download, name="incident-review-pdf"),
]

# Routes under /api/ beside the router's viewsets (namespace "api").
api_patterns: list = [
    path("reviews/<int:pk>/pdf/", pdf_api.ReviewPdfView.as_view(), name="review-pdf"),
]

# Top-level pages.
urlpatterns: list = []
