"""Early warning: watches, mentions, sentiment, spike detection, alerts and the alert board."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Early warning")

    def ready(self):
        from core.frames import register_frames

        from .events import MonitoringEventType

        register_frames(MonitoringEventType)  # pages learn "alert.changed" from core.frames
