from django.urls import path

from teams.consumers import NotificationConsumer

from . import consumers

websocket_urlpatterns = [
    path("ws/incidents/", consumers.IncidentListConsumer.as_asgi()),
    path("ws/incidents/<int:incident_id>/", consumers.IncidentConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
