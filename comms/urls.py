"""Statements: pages under /incidents/ (namespace "crisis"), the reviewer's pages at the
top level (``comms.review_urls``), and the API routes (``comms.api``)."""

from django.urls import path

from . import acknowledgement_views, delivery_urls, inquiry_urls, stakeholder_map_urls, views
from .api import api_routes
from .review_urls import urlpatterns

__all__ = ["api_routes", "incident_patterns", "urlpatterns"]

incident_patterns = [
    path("<int:pk>/statements/", views.statement_list, name="statement-list"),
    path("<int:pk>/statements/new/", views.statement_create, name="statement-create"),
    path("statements/<int:statement_pk>/", views.statement_detail, name="statement-detail"),
    path("statements/<int:statement_pk>/edit/", views.statement_edit, name="statement-edit"),
    path("statements/<int:statement_pk>/diff/", views.statement_diff, name="statement-diff"),
    path("statements/<int:statement_pk>/submit/", views.statement_submit,
         name="statement-submit"),
    path("statements/<int:statement_pk>/decide/", views.statement_decide,
         name="statement-decide"),
    path("statements/<int:statement_pk>/withdraw/", views.statement_withdraw,
         name="statement-withdraw"),
    path("statements/<int:statement_pk>/publish/", views.statement_publish,
         name="statement-publish"),
    path("statements/<int:statement_pk>/schedules/<int:schedule_pk>/cancel/",
         views.statement_schedule_cancel, name="statement-schedule-cancel"),
    path("statements/<int:statement_pk>/comments/", views.statement_comment,
         name="statement-comment"),
]
incident_patterns += inquiry_urls.incident_patterns
incident_patterns += stakeholder_map_urls.incident_patterns
incident_patterns += delivery_urls.incident_patterns

urlpatterns = [
    *urlpatterns,
    # Public, by the signed token alone (comms.acknowledgements).
    path("ack/<str:token>/", acknowledgement_views.acknowledgement, name="acknowledgement"),
]
