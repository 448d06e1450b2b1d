import logging

from django.apps import AppConfig
from django.conf import settings
from django.contrib.staticfiles.apps import StaticFilesConfig


class CoreConfig(AppConfig):
    """Domain-free building blocks every app uses: live events, API conventions, base
    consumer, form and admin helpers. Knows no incident, person or statement."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from . import mail  # registers the email-delivery deploy check

        if not settings.DEBUG and not mail.backend_delivers():
            logging.getLogger("crisisdesk").warning(mail.not_delivering_message())


class CollectedStaticFilesConfig(StaticFilesConfig):
    """django.contrib.staticfiles, leaving out what no page loads: ReDoc (the API docs are
    Swagger UI at /api/docs/)."""

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "redoc"]
