"""Stakeholder map pages under /incidents/ (namespace "crisis"), joined to
``comms.urls.incident_patterns``."""

from django.urls import path

from . import stakeholder_map_views

incident_patterns = [
    path("<int:pk>/stakeholders/<int:group_pk>/", stakeholder_map_views.stakeholder_edit,
         name="stakeholder-edit"),
    path("<int:pk>/stakeholders/<int:group_pk>/update-given/",
         stakeholder_map_views.stakeholder_update_given, name="stakeholder-update-given"),
]
