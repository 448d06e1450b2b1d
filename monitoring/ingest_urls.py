"""URLs of the ways mentions come in (the CSV import page; under /api/ the connector
webhook) and the API routes of watches and mentions (``mentions/bulk/`` and
``mentions/import/`` are actions of the mentions' viewset)."""

from django.urls import path

from . import ingest_api, mention_import_views

urlpatterns = [
    path("monitoring/mentions/import/", mention_import_views.mention_import,
         name="monitoring-mention-import"),
    path("monitoring/mentions/import/errors/", mention_import_views.mention_import_errors,
         name="monitoring-mention-import-errors"),
]

# In the "api" namespace beside the router's routes (config.urls).
api_patterns = [
    path("connectors/<slug:slug>/webhook/", ingest_api.ConnectorWebhookView.as_view(),
         name="connector-webhook"),
]

api_routes = ingest_api.api_routes
