"""Reports: pages under /incidents/ (namespace "crisis"), the API's viewsets
(``api_routes``, registered on the root router) and its other routes under /api/
(``api_patterns``, namespace "api"), and top-level pages (``urlpatterns``)."""

from django.urls import path

from . import dashboard_api, dashboard_views, pdf_api, pdf_views, views
from .api import api_routes

__all__ = ["api_patterns", "api_routes", "incident_patterns", "urlpatterns"]

incident_patterns = [
    path("<int:pk>/summary.pdf", views.incident_summary_pdf, name="incident-summary-pdf"),
    # The post-incident review (reports.views)
    path("<int:pk>/review/", views.review_detail, name="incident-review"),
    path("<int:pk>/review/open/", views.review_open, name="incident-review-open"),
    path("<int:pk>/review/edit/", views.review_edit, name="incident-review-edit"),
    path("<int:pk>/review/sign-off/", views.review_sign_off, name="incident-review-sign-off"),
    path("<int:pk>/review/language/", views.review_language, name="incident-review-language"),
    path("<int:pk>/review/pdf/", pdf_views.review_pdf_download, name="incident-review-pdf"),
    path("<int:pk>/review/actions/new/", views.action_item_create,
         name="incident-review-action-create"),
    path("<int:pk>/review/actions/<int:item_pk>/", views.action_item_edit,
         name="incident-review-action-edit"),
]

# Routes under /api/ beside the router's viewsets (namespace "api").
api_patterns: list = [
    path("reviews/<int:pk>/pdf/", pdf_api.ReviewPdfView.as_view(), name="review-pdf"),
    path("metrics/", dashboard_api.MetricsView.as_view(), name="metrics"),  # the dashboard's
]

# Top-level pages: the executive dashboard and its PDF.
urlpatterns: list = [
    path("reports/", dashboard_views.dashboard, name="reports-dashboard"),
    path("reports/pdf/", dashboard_views.dashboard_pdf, name="reports-dashboard-pdf"),
]
