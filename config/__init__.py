"""Project wiring: settings, root URLs, ASGI and websocket routing, the Celery app, health."""

from .celery import app as celery_app

__all__ = ("celery_app",)
