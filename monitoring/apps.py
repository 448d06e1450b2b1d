"""Early warning: watches, mentions, sentiment, spike detection, alerts and the alert board."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Early warning")

    def ready(self):
        from core.frames import register_frames

        from .events import MonitoringEventType
        from .panels import register as register_evidence_panel

        register_frames(MonitoringEventType)  # pages learn "alert.changed" from core.frames
        register_evidence_panel()  # the incident room's Evidence panel
        self.connect_detection()

    def connect_detection(self):
        """Detection runs after each ingested batch (debounced); alert entries read in the
        incident room's timeline; an alert notice lands on the alert board."""
        from django.urls import NoReverseMatch, reverse

        from crisis.choices import TimelineKind
        from crisis.timeline import declare_written, write_headlines
        from teams.choices import NotificationKind
        from teams.work import register_landing

        from . import demo, detection_tasks, hooks
        from .alerts import alert_timeline_headline

        def board(notification) -> str | None:
            try:
                return reverse("monitoring-board")
            except NoReverseMatch:
                return None

        hooks.batch_ingested.connect(detection_tasks.on_batch_ingested,
                                     dispatch_uid="monitoring.detection")
        declare_written(TimelineKind.ALERT)
        write_headlines(TimelineKind.ALERT, alert_timeline_headline)
        register_landing(NotificationKind.ALERT_RAISED, board)
        demo.register()  # seed_demo's watches, mentions and storm
