from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from reports import views as report_views

from . import views
from .api import IncidentViewSet
from .health import healthz

router = DefaultRouter()
router.register("incidents", IncidentViewSet, basename="incident")

incident_patterns = [
    path("", views.incident_list, name="incident-list"),
    path("new/", views.incident_create, name="incident-create"),
    path("<int:pk>/", views.incident_detail, name="incident-detail"),
    path("<int:pk>/row/", views.incident_row, name="incident-row"),
    path("<int:pk>/summary.pdf", report_views.incident_summary_pdf, name="incident-summary-pdf"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="crisis:incident-list"), name="home"),
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

