"""Domain hooks: how the incident core tells higher layers what happened, without
importing them (crisis sits below teams, comms, monitoring and reports).

Each hook is sent by exactly one kind of service, inside the transaction of the change,
after the change and its timeline entry are written; receivers run in that transaction
(an exception rolls the whole change back) and subscribe in their ``AppConfig.ready()``
(see ``teams.apps``). Receivers must not send live events for the incident before the
sender's own (the sender holds the row lock; ``seq`` stays ordered either way).

Every hook is sent with ``sender`` = the model class and these keyword arguments:
"""

from django.dispatch import Signal

#: An incident was opened (``incident``, ``actor``): assemble its team, alert who is on duty.
incident_opened = Signal()

#: Severity and/or warning level changed (``incident``, ``actor``, ``entry`` (the timeline
#: entry), ``changes`` ({"severity": [old, new], "warning_level": [old, new]}),
#: ``went_up`` (bool)).
incident_escalated = Signal()

#: What the incident is changed (``incident``, ``actor``, ``changes``: {field: [old, new]}).
incident_reclassified = Signal()

#: ``duplicate`` was merged into ``survivor`` (``duplicate``, ``survivor``, ``actor``,
#: ``moved_tasks``: ids of the tasks that moved): its timeline now lives in the survivor.
incident_merged = Signal()

#: People were named with ``@username`` in a timeline entry or a task comment
#: (``incident``, ``actor``: the writer, ``text``, ``usernames``: active people's usernames,
#: not those the corrected entry already named, ``key``: one notice per key and person).
people_mentioned = Signal()

#: The incident moved along its lifecycle (``incident``, ``actor``, ``from_status``,
#: ``to_status``: ``IncidentStatus`` values), sent by ``incident_transition`` once the move
#: and its timeline entry are written: reaching recovering or closed opens the review.
incident_transitioned = Signal()

#: A task was given to someone (``task``, ``actor``; the owner may be the actor, and
#: nobody is notified of their own action: ``teams.services.notification_send``).
task_assigned = Signal()

#: A task's due time passed; its one overdue notice is claimed (``task``).
task_overdue = Signal()

ALL = (incident_opened, incident_escalated, incident_reclassified, incident_merged,
       incident_transitioned, people_mentioned, task_assigned, task_overdue)
