from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Domain-free building blocks every app uses: live events, API conventions, base
    consumer, form and admin helpers. Knows no incident, person or statement."""

    name = "core"
    verbose_name = "Core"
