from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from reports import views as report_views
from teams import views as team_views
from teams.api import (
    DepartmentViewSet,
    DutyShiftViewSet,
    NotificationViewSet,
    RoleViewSet,
    TeamViewSet,
)

from . import views
from .api import (
    IncidentTypeViewSet,
    IncidentViewSet,
    TaskCommentViewSet,
    TaskViewSet,
    TimelineEntryViewSet,
)
from .health import healthz

router = DefaultRouter()
router.register("incidents", IncidentViewSet, basename="incident")
router.register(r"incidents/(?P<incident_pk>\d+)/timeline", TimelineEntryViewSet,
                basename="incident-timeline")
router.register("tasks", TaskViewSet, basename="task")
router.register(r"tasks/(?P<task_pk>\d+)/comments", TaskCommentViewSet, basename="task-comment")
router.register("incident-types", IncidentTypeViewSet, basename="incident-type")
router.register(r"incidents/(?P<incident_pk>\d+)/team", TeamViewSet, basename="incident-team")
router.register("roles", RoleViewSet, basename="role")
router.register("departments", DepartmentViewSet, basename="department")
router.register("duty-shifts", DutyShiftViewSet, basename="duty-shift")
router.register("notifications", NotificationViewSet, basename="notification")

incident_patterns = [
    path("", views.incident_list, name="incident-list"),
    path("new/", views.incident_create, name="incident-create"),
    path("<int:pk>/", views.incident_detail, name="incident-detail"),
    path("<int:pk>/row/", views.incident_row, name="incident-row"),
    path("<int:pk>/summary.pdf", report_views.incident_summary_pdf, name="incident-summary-pdf"),
    path("<int:pk>/move/<str:to_status>/", views.incident_transition,
         name="incident-transition"),
    path("<int:pk>/reopen/", views.incident_reopen, name="incident-reopen"),
    path("<int:pk>/escalate/", views.incident_escalate, name="incident-escalate"),
    path("<int:pk>/classify/", views.incident_classify, name="incident-classify"),
    path("<int:pk>/merge/", views.incident_merge, name="incident-merge"),
    path("<int:pk>/timeline/", views.timeline_add, name="timeline-add"),
    path("<int:pk>/tasks/", views.task_create, name="task-create"),
    path("<int:pk>/team/", team_views.team_assign, name="team-assign"),
    path("<int:pk>/team/handover/", team_views.lead_handover, name="team-handover"),
    path("<int:pk>/team/<int:assignment_pk>/end/", team_views.role_end, name="team-end"),
    path("entries/<int:entry_pk>/", views.timeline_entry, name="timeline-entry"),
    path("entries/<int:entry_pk>/correct/", views.timeline_correct, name="timeline-correct"),
    path("entries/<int:entry_pk>/pin/", views.timeline_pin, name="timeline-pin"),
    path("tasks/<int:task_pk>/status/", views.task_status, name="task-status"),
    path("tasks/<int:task_pk>/assign/", views.task_assign, name="task-assign"),
    path("tasks/<int:task_pk>/comments/", views.task_comment, name="task-comment"),
    path("tasks/<int:task_pk>/checklist/<int:item_pk>/", views.checklist_item,
         name="checklist-item"),
]

urlpatterns = [
    path("", team_views.my_work, name="home"),
    path("departments/", team_views.department_list, name="department-list"),
    path("roster/", team_views.roster, name="roster"),
    path("notifications/", team_views.notification_list, name="notifications"),
    path("notifications/read/", team_views.notifications_read, name="notifications-read"),
    path("notifications/<int:pk>/", team_views.notification_open, name="notification-open"),
    path("account/", team_views.account, name="account"),
    path("incidents/", include((incident_patterns, "crisis"))),
    path("api/", include((router.urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

