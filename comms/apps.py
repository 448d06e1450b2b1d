"""Public statements, their approval by legal, stakeholder groups, channels and deliveries."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommsConfig(AppConfig):
    name = "comms"
    verbose_name = _("Communications")

    def ready(self):
        from core.frames import register_frames
        from crisis.choices import TimelineKind
        from crisis.events import register_event_schemas
        from crisis.timeline import declare_written

        from . import (
            acknowledgement_tasks,
            delivery_tasks,
            demo,
            hooks,
            panels,
            schedule,
            status,
            work,
        )
        from .events import EVENT_SCHEMAS, CommsEventType
        from .inquiry_panels import register as register_inquiries
        from .stakeholder_map_panels import register as register_stakeholder_map

        register_frames(CommsEventType)  # pages learn the names from core.frames
        register_event_schemas(EVENT_SCHEMAS)  # they join the incident's stream
        declare_written(TimelineKind.STATEMENT)  # the room offers the kind and its clock
        panels.register()  # the room's Statements panel
        register_inquiries()  # the room's Media inquiries panel (after Statements: headlines)
        work.register()  # "Waiting for my approval" on My work
        demo.register()  # the demo data's statements, one in each state (seed_demo)
        status.register()  # a publication makes the public status page's cache stale
        hooks.statement_published.connect(delivery_tasks.on_statement_published,
                                          dispatch_uid="comms.delivery")  # stakeholder delivery
        hooks.statement_published.connect(schedule.on_statement_published,
                                          dispatch_uid="comms.schedule")  # closes a waiting one
        acknowledgement_tasks.register()  # a reminder to acknowledge opens the publication
        register_stakeholder_map()  # the room's Stakeholders panel (last: wraps headlines)
