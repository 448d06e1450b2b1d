"""The incident core's pages (under /incidents/, namespace "crisis") and API routes."""

from django.urls import path

from . import views
from .api import (
    IncidentTypeViewSet,
    IncidentViewSet,
    TaskCommentViewSet,
    TaskViewSet,
    TimelineEntryViewSet,
)

api_routes = [
    ("incidents", IncidentViewSet, "incident"),
    (r"incidents/(?P<incident_pk>\d+)/timeline", TimelineEntryViewSet, "incident-timeline"),
    ("tasks", TaskViewSet, "task"),
    (r"tasks/(?P<task_pk>\d+)/comments", TaskCommentViewSet, "task-comment"),
    ("incident-types", IncidentTypeViewSet, "incident-type"),
]

incident_patterns = [
    path("", views.incident_list, name="incident-list"),
    path("new/", views.incident_create, name="incident-create"),
    path("<int:pk>/", views.incident_detail, name="incident-detail"),
    path("<int:pk>/row/", views.incident_row, name="incident-row"),
    path("<int:pk>/move/<str:to_status>/", views.incident_transition,
         name="incident-transition"),
    path("<int:pk>/reopen/", views.incident_reopen, name="incident-reopen"),
    path("<int:pk>/escalate/", views.incident_escalate, name="incident-escalate"),
    path("<int:pk>/classify/", views.incident_classify, name="incident-classify"),
    path("<int:pk>/merge/", views.incident_merge, name="incident-merge"),
    path("<int:pk>/timeline/", views.timeline_add, name="timeline-add"),
    path("<int:pk>/tasks/", views.task_create, name="task-create"),
    path("entries/<int:entry_pk>/", views.timeline_entry, name="timeline-entry"),
    path("entries/<int:entry_pk>/correct/", views.timeline_correct, name="timeline-correct"),
    path("entries/<int:entry_pk>/pin/", views.timeline_pin, name="timeline-pin"),
    path("tasks/<int:task_pk>/", views.task_detail, name="task"),
    path("tasks/<int:task_pk>/status/", views.task_status, name="task-status"),
    path("tasks/<int:task_pk>/assign/", views.task_assign, name="task-assign"),
    path("tasks/<int:task_pk>/comments/", views.task_comment, name="task-comment"),
    path("tasks/<int:task_pk>/checklist/<int:item_pk>/", views.checklist_item,
         name="checklist-item"),
]
