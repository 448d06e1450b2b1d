from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrisisConfig(AppConfig):
    name = "crisis"
    verbose_name = _("Incidents")

    def ready(self):
        from core.frames import register_frames

        from .events import EventType
        from .views import register_room_panels

        register_frames(EventType)
        register_room_panels()
