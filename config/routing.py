from django.urls import path

from crisis.consumers import IncidentConsumer, IncidentListConsumer
from monitoring.consumers import MonitoringConsumer
from teams.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/incidents/", IncidentListConsumer.as_asgi()),
    path("ws/incidents/<int:incident_id>/", IncidentConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/monitoring/", MonitoringConsumer.as_asgi()),
]
