"""The public status page and its Atom feed, at /status/ (no sign-in; config.urls puts
them in)."""

from django.urls import path

from . import feeds, status_views

urlpatterns = [
    path("", status_views.status_page, name="status"),
    path("feed/", feeds.status_feed, name="status-feed"),
    path("<int:pk>/", status_views.status_statement, name="status-statement"),
]
