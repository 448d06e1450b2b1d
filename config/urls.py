"""Root URLs: each app's pages and API routes, put together here (apps never import
each other's URLs). Incident pages of every app share the "crisis" namespace."""

from csp.decorators import csp_exempt
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from comms import urls as comms_urls
from crisis import urls as crisis_urls
from monitoring import alert_api, ingest_urls
from monitoring import board_urls as monitoring_urls
from reports import urls as reports_urls
from teams import urls as teams_urls

from .health import healthz


def favicon(request):
    """Pages name their icon; the admin and stray requests ask for /favicon.ico."""
    return redirect(static("img/favicon.svg"), permanent=True)


router = DefaultRouter()
for prefix, viewset, basename in (crisis_urls.api_routes + teams_urls.api_routes
                                   + comms_urls.api_routes + alert_api.api_routes
                                   + ingest_urls.api_routes + reports_urls.api_routes):
    router.register(prefix, viewset, basename=basename)

incident_patterns = (crisis_urls.incident_patterns + teams_urls.incident_patterns
                     + comms_urls.incident_patterns + reports_urls.incident_patterns)

urlpatterns = [
    *teams_urls.urlpatterns,
    *comms_urls.urlpatterns,
    *monitoring_urls.urlpatterns,
    *ingest_urls.urlpatterns,
    *reports_urls.urlpatterns,
    path("incidents/", include((incident_patterns, "crisis"))),
    path("api/", include((router.urls + monitoring_urls.api_patterns
                          + ingest_urls.api_patterns + reports_urls.api_patterns, "api"))),
    # The API's surface is for signed-in people and integrations, not the public.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
         name="api-schema"),
    path("api/docs/", csp_exempt()(login_required(
        SpectacularSwaggerView.as_view(url_name="api-schema"))),
         name="api-docs"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("status/", include("comms.status_urls")),  # the public status page, no sign-in
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
]

handler500 = "core.outages.server_error"
