"""What teams does when the incident core tells it something happened (crisis.hooks).

Connected in ``TeamsConfig.ready()``; each receiver runs inside the transaction of the
change, so a team assembled or a notification stored here commits or rolls back with it.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from crisis import hooks
from crisis.choices import Severity, WarningLevel

from . import selectors
from .choices import NotificationKind
from .models import User
from .services import notification_send, team_assemble

MAX_MENTIONS = 20


def on_incident_opened(sender, *, incident, actor, **kwargs) -> None:
    team_assemble(incident=incident, actor=actor, opened=True)
    notification_send(recipients=selectors.incident_created_recipients(incident=incident),
                      kind=NotificationKind.INCIDENT_CREATED,
                      title=f"{incident.reference}: {incident.title}",
                      dedupe_key=f"incident_created:{incident.pk}", actor=actor,
                      incident=incident)


def on_incident_escalated(sender, *, incident, actor, entry, changes, went_up,
                          **kwargs) -> None:
    if not went_up:
        return
    if "severity" in changes:
        team_assemble(incident=incident, actor=actor)
    if incident.severity == Severity.CRITICAL or incident.warning_level == WarningLevel.RED:
        notification_send(recipients=selectors.escalation_recipients(incident=incident),
                          kind=NotificationKind.INCIDENT_ESCALATED,
                          title=lambda: _("%(ref)s escalated: %(title)s")
                          % {"ref": incident.reference, "title": incident.title},
                          dedupe_key=f"escalated:{entry.pk}", actor=actor,
                          incident=incident)


def on_incident_reclassified(sender, *, incident, actor, changes, **kwargs) -> None:
    if "type" in changes:
        team_assemble(incident=incident, actor=actor)


def on_incident_merged(sender, *, duplicate, survivor, actor, moved_tasks, **kwargs) -> None:
    """Tell the duplicate's team and the owners of its tasks where the work goes on: only
    those who may view the survivor (notification_send() checks), so nobody learns of an
    incident they may not read."""
    people = User.objects.filter(
        Q(role_assignments__incident=duplicate, role_assignments__ended_at__isnull=True)
        | Q(tasks__in=moved_tasks) | Q(tasks__incident=duplicate),
        is_active=True).distinct().order_by("pk")
    notification_send(
        recipients=people, kind=NotificationKind.INCIDENT_MERGED,
        title=lambda: _("%(ref)s was merged into %(into)s: %(title)s — work goes on there")
        % {"ref": duplicate.reference, "into": survivor.reference, "title": survivor.title},
        dedupe_key=f"merged:{duplicate.pk}", actor=actor, incident=survivor)


def on_people_mentioned(sender, *, incident, actor, text, usernames, key, **kwargs) -> None:
    """Tell the people an entry or comment names (never its author, only people who may
    view the incident: notification_send() checks both)."""
    people = User.objects.filter(username__in=usernames, is_active=True).order_by("pk")[
        :MAX_MENTIONS]
    excerpt = " ".join(text.split())
    excerpt = excerpt if len(excerpt) <= 120 else excerpt[:119] + "…"

    def title() -> str:
        return _("%(author)s mentioned you on %(ref)s: %(text)s") % {
            "author": actor, "ref": incident.reference, "text": excerpt}

    notification_send(recipients=people, kind=NotificationKind.MENTION, title=title,
                      dedupe_key=key, actor=actor, incident=incident)


def on_task_assigned(sender, *, task, actor, **kwargs) -> None:
    _tell_task_owner(task, NotificationKind.TASK_ASSIGNED, actor=actor)


def on_task_overdue(sender, *, task, **kwargs) -> None:
    _tell_task_owner(task, NotificationKind.TASK_OVERDUE, actor=None)


def _tell_task_owner(task, kind: str, *, actor) -> None:
    def title() -> str:  # in each recipient's language
        template = {
            NotificationKind.TASK_ASSIGNED: _("Task for you on %(ref)s: %(title)s"),
            NotificationKind.TASK_OVERDUE: _("Overdue on %(ref)s: %(title)s"),
        }[kind]
        return template % {"ref": task.incident.reference, "title": task.title}

    notification_send(recipients=[task.owner], kind=kind, title=title,
                      dedupe_key=f"{kind}:{task.pk}:{task.owner_id}", actor=actor,
                      incident=task.incident)


def connect() -> None:
    for hook, receiver in (
        (hooks.incident_opened, on_incident_opened),
        (hooks.incident_escalated, on_incident_escalated),
        (hooks.incident_reclassified, on_incident_reclassified),
        (hooks.incident_merged, on_incident_merged),
        (hooks.people_mentioned, on_people_mentioned),
        (hooks.task_assigned, on_task_assigned),
        (hooks.task_overdue, on_task_overdue),
    ):
        hook.connect(receiver, dispatch_uid=f"teams.{receiver.__name__}")
