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
        self.connect_detection()

    def connect_detection(self):
        """Detection runs after each ingested batch (debounced); alert entries read in the
        incident room's timeline."""
        from crisis.choices import TimelineKind
        from crisis.timeline import declare_written, write_headlines

        from . import detection_tasks, hooks
        from .alerts import alert_timeline_headline

        hooks.batch_ingested.connect(detection_tasks.on_batch_ingested,
                                     dispatch_uid="monitoring.detection")
        declare_written(TimelineKind.ALERT)
        write_headlines(TimelineKind.ALERT, alert_timeline_headline)
