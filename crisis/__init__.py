"""Project wiring (settings, urls, asgi, celery) and the incident core."""

from .celery import app as celery_app

__all__ = ("celery_app",)
