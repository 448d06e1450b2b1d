"""URLs of the alert board and alert pages, and the chart data under /api/."""

from django.urls import path

from . import board_api, board_views

urlpatterns = [
    path("monitoring/", board_views.board, name="monitoring-board"),
    path("monitoring/alerts/<int:pk>/", board_views.alert_detail, name="monitoring-alert"),
    path("monitoring/alerts/<int:pk>/acknowledge/", board_views.alert_acknowledge,
         name="monitoring-alert-acknowledge"),
    path("monitoring/alerts/<int:pk>/dismiss/", board_views.alert_dismiss,
         name="monitoring-alert-dismiss"),
    path("monitoring/alerts/<int:pk>/escalate/", board_views.alert_escalate,
         name="monitoring-alert-escalate"),
]

# In the "api" namespace beside the router's routes (config.urls).
api_patterns = [
    path("watches/<int:pk>/series/", board_api.WatchSeriesView.as_view(), name="watch-series"),
]
