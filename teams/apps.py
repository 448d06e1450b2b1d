from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("People and teams")

    def ready(self):
        from . import handlers, panels, signals  # noqa: F401 -- signals connects on import

        handlers.connect()  # what teams does when the incident core tells it (crisis.hooks)

        from core.frames import register_frames

        from .events import NotificationFrame

        register_frames(NotificationFrame)  # pages learn the names from core.frames
        panels.register()  # the incident room's team panel
