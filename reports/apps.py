from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from core.frames import register_frames
        from crisis import hooks
        from crisis.choices import TimelineKind
        from crisis.events import register_event_schemas
        from crisis.timeline import declare_written, write_headlines

        from . import demo, services, views, work
        from .events import EVENT_SCHEMAS, ReviewEventType
        from .headlines import review_headline

        register_frames(ReviewEventType)  # pages learn the names from core.frames
        register_event_schemas(EVENT_SCHEMAS)  # they join the incident's stream
        declare_written(TimelineKind.REVIEW)  # the room offers the kind in its filter
        write_headlines(TimelineKind.REVIEW, review_headline)  # how its entries read
        # Reaching recovering or closed opens the review (in the transition's transaction).
        hooks.incident_transitioned.connect(services.on_incident_transitioned,
                                            dispatch_uid="reports.review_open")
        views.register_room_panel()  # the room's Review panel (recovering and closed)
        work.register()  # "My action items" on My work; review notifications open the review
        demo.register()  # seed_demo's closed crisis with its signed-off review and PDF
