"""Public statements, their approval by legal, stakeholder groups, channels and deliveries."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommsConfig(AppConfig):
    name = "comms"
    verbose_name = _("Communications")

    def ready(self):
        from core.frames import register_frames
        from crisis.events import register_event_schemas

        from .events import EVENT_SCHEMAS, CommsEventType

        register_frames(CommsEventType)  # pages learn the names from core.frames
        register_event_schemas(EVENT_SCHEMAS)  # they join the incident's stream
        # crisis.timeline.declare_written(TimelineKind.STATEMENT) comes with the pages that
        # let people write statements (the room then offers the filter and the clock).
