"""Media inquiry pages under /incidents/ (namespace "crisis"), joined to
``comms.urls.incident_patterns``."""

from django.urls import path

from . import inquiry_views

incident_patterns = [
    path("<int:pk>/media-inquiries/", inquiry_views.inquiry_create, name="inquiry-create"),
    path("media-inquiries/<int:inquiry_pk>/", inquiry_views.inquiry_detail,
         name="inquiry-detail"),
]
