"""Reports: the incident summary PDF (under /incidents/, namespace "crisis")."""

from django.urls import path

from . import views

incident_patterns = [
    path("<int:pk>/summary.pdf", views.incident_summary_pdf, name="incident-summary-pdf"),
]
