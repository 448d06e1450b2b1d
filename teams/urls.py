"""People and teams: top-level pages, the team actions under an incident (namespace
"crisis", beside the room they belong to) and API routes."""

from django.urls import path

from . import views
from .api import DepartmentViewSet, DutyShiftViewSet, NotificationViewSet, RoleViewSet, TeamViewSet

api_routes = [
    (r"incidents/(?P<incident_pk>\d+)/team", TeamViewSet, "incident-team"),
    ("roles", RoleViewSet, "role"),
    ("departments", DepartmentViewSet, "department"),
    ("duty-shifts", DutyShiftViewSet, "duty-shift"),
    ("notifications", NotificationViewSet, "notification"),
]

incident_patterns = [
    path("<int:pk>/team/", views.team_assign, name="team-assign"),
    path("<int:pk>/team/handover/", views.lead_handover, name="team-handover"),
    path("<int:pk>/team/<int:assignment_pk>/end/", views.role_end, name="team-end"),
]

urlpatterns = [
    path("", views.my_work, name="home"),
    path("departments/", views.department_list, name="department-list"),
    path("roster/", views.roster, name="roster"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification-open"),
    path("account/", views.account, name="account"),
]
