"""Permission-aware reads: every incident, entry and task a user sees comes through here."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .choices import UNFINISHED_TASK_STATUSES, Confidentiality, TimelineKind
from .models import (
    ChecklistItem,
    Incident,
    IncidentType,
    IncidentUserObjectPermission,
    LiveEvent,
    Task,
    TaskComment,
    TimelineEntry,
    urgency_order,
    visibility_filter,
)

__all__ = ["visibility_filter"]  # the rule lives beside its queryset method, read from here
from .permissions import VIEW, VIEW_EVERY, VIEW_RESTRICTED, codename, granted_on, is_active
from .timeline import kinds_in_use


def may_view(*, user, incident: Incident) -> bool:
    """``visibility_filter`` for an incident already in hand (at most one query)."""
    if not is_active(user):
        return False
    if (incident.confidentiality == Confidentiality.INTERNAL or user.is_superuser
            or user.has_perm(VIEW_EVERY)):
        return True
    if incident.confidentiality == Confidentiality.RESTRICTED and user.has_perm(VIEW_RESTRICTED):
        return True
    return codename(VIEW) in granted_on(user, incident)


def assignable_people() -> QuerySet:
    """Who a task or role can be given to: everyone who can still sign in, by name."""
    return (get_user_model().objects.filter(is_active=True)
            .order_by("first_name", "last_name", "username"))


def people_who_may_view(incident: Incident):
    """Active people ``visibility_filter`` lets see ``incident``, by name: whom its tasks
    can be given to."""
    people = assignable_people()
    if incident.confidentiality == Confidentiality.INTERNAL:
        return people

    def holding(right: str) -> Q:
        name = codename(right)
        return (Q(user_permissions__codename=name,
                  user_permissions__content_type__app_label="crisis")
                | Q(groups__permissions__codename=name,
                    groups__permissions__content_type__app_label="crisis"))

    on_team = Exists(IncidentUserObjectPermission.objects.filter(
        content_object=incident, user=OuterRef("pk"), permission__codename=codename(VIEW)))
    visible = Q(is_superuser=True) | holding(VIEW_EVERY) | Q(on_team)
    if incident.confidentiality == Confidentiality.RESTRICTED:
        visible |= holding(VIEW_RESTRICTED)
    return people.filter(visible).distinct()


def incident_list(*, user) -> QuerySet[Incident]:
    """The incidents ``user`` may view, joined for list display, most urgent first:
    open before closed, then warning level, then severity, then newest."""
    return (Incident.objects.visible_to(user).select_related("created_by", "type")
            .order_by(*urgency_order()))


def visible_to(queryset: QuerySet, *, user, path: str = "incident") -> QuerySet:
    """``queryset`` narrowed to rows whose incident (reached through ``path``; empty for
    incidents themselves) ``user`` may view. Rows without an incident stay."""
    visible = visibility_filter(user)
    if visible is None:
        return queryset.none()
    if not path:
        return queryset.filter(visible)
    if visible == Q():
        return queryset
    return queryset.filter(Q(**{f"{path}__isnull": True})
                           | Q(**{f"{path}__in": Incident.objects.visible_to(user).values("pk")}))


def incident_get(*, user, pk) -> Incident:
    """The incident, or 404 whether it does not exist or the user may not view it."""
    try:
        incident = incident_list(user=user).get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise Http404("No incident matches the given query.") from None
    incident.__dict__["_viewable_by"] = user.pk  # just checked: see _visible_pks
    return incident


def incident_visible(*, user, incident_id: int) -> bool:
    return incident_list(user=user).filter(pk=incident_id).exists()


def merged_into_for(*, user, incident: Incident) -> Incident | None:
    """The incident ``incident`` was merged into, when ``user`` may view it; else None, so
    whoever may not view it never learns its reference (room, API, timeline)."""
    if not incident.merged_into_id:
        return None
    return incident_list(user=user).filter(pk=incident.merged_into_id).first()


def entry_data_for(*, user, entry: TimelineEntry) -> dict:
    """``entry.data`` as ``user`` may read it: a merge entry names the incident it went
    into only to people who may view that incident."""
    data = entry.data or {}
    if (entry.kind == TimelineKind.MERGE and data.get("into")
            and not incident_visible(user=user, incident_id=data["into"])):
        return {key: value for key, value in data.items()
                if key not in ("into", "into_reference")}
    return data


def _visible_pks(user, incident) -> QuerySet | list[int]:
    """``incident``'s pk if ``user`` may view it (else nothing), for ``incident__in``. An
    incident ``incident_get`` just fetched for this user needs no second check: the room's
    panels ask this a dozen times in one request."""
    if isinstance(incident, Incident):
        if incident.__dict__.get("_viewable_by") == user.pk and is_active(user):
            return [incident.pk]
        incident = incident.pk
    return Incident.objects.visible_to(user).filter(pk=incident).values("pk")


def timeline_for(*, user, incident: Incident) -> QuerySet[TimelineEntry]:
    """The incident's timeline, newest first; empty when ``user`` may not view it."""
    return (
        TimelineEntry.objects.filter(incident__in=_visible_pks(user, incident))
        .select_related("actor", "corrects__actor", "merged_from")
        .order_by("-created_at", "-pk")
    )


def timeline_entry_get(*, user, pk) -> TimelineEntry:
    entry = (TimelineEntry.objects.select_related("incident", "actor", "corrects__actor",
                                                  "merged_from")
             .filter(pk=pk).first())
    if entry is None or not incident_visible(user=user, incident_id=entry.incident_id):
        raise Http404("No timeline entry matches the given query.")
    return entry


def tasks_of(*, user, incident: Incident) -> QuerySet[Task]:
    """``incident``'s tasks (none when ``user`` may not view it), with owners and checklist
    items. Read through ``incident.tasks``, each task's ``incident`` is that instance, not
    a copy joined and read again for every task."""
    return (incident.tasks.filter(incident__in=_visible_pks(user, incident))
            .select_related("owner").order_by("position", "due_at", "pk"))


def task_parts(tasks) -> tuple[dict[int, list], dict[int, list]]:
    """The checklist items and the comments (with their authors) of ``tasks`` (already
    read through a selector), by task id: two queries, and none of the related-manager
    querysets Django's prefetch builds for every task."""
    ids = [task.pk for task in tasks]
    items: dict[int, list] = {pk: [] for pk in ids}
    comments: dict[int, list] = {pk: [] for pk in ids}
    for item in ChecklistItem.objects.filter(task_id__in=ids).order_by("position", "pk"):
        items[item.task_id].append(item)
    for comment in (TaskComment.objects.filter(task_id__in=ids).select_related("author")
                    .order_by("created_at", "pk")):
        comments[comment.task_id].append(comment)
    return items, comments


def task_list(*, user) -> QuerySet[Task]:
    """Tasks of the incidents ``user`` may view."""
    visible = incident_list(user=user).values("pk")
    return (
        Task.objects.filter(incident__in=visible)
        .select_related("incident", "owner")
        .prefetch_related("checklist_items")
        .order_by("position", "due_at", "pk")
    )


def task_counts(*, user, incident) -> dict[str, int]:
    """How many of ``incident``'s tasks there are, and how many are still open."""
    return Task.objects.filter(incident__in=_visible_pks(user, incident)).aggregate(
        tasks_total=Count("pk"),
        tasks_open=Count("pk", filter=Q(status__in=UNFINISHED_TASK_STATUSES)))


def task_get(*, user, pk) -> Task:
    try:
        return task_list(user=user).get(pk=pk)
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404("No task matches the given query.") from None


def checklist_item_get(*, user, task: Task, pk) -> "ChecklistItem":
    """An item of ``task``; 404 when it is not there or ``user`` may not view the task."""
    try:
        return ChecklistItem.objects.filter(
            task=task, task__incident__in=_visible_pks(user, task.incident)).get(pk=pk)
    except (ChecklistItem.DoesNotExist, ValueError, TypeError):
        raise Http404("No checklist item matches the given query.") from None


def task_comments_for(*, user, task: Task) -> QuerySet:
    """Comments of ``task``, oldest first; none when ``user`` may not view the task."""
    return (TaskComment.objects.filter(task=task,
                                       task__incident__in=_visible_pks(user, task.incident))
            .select_related("author").order_by("created_at", "pk"))


def incident_type_list() -> QuerySet[IncidentType]:
    return IncidentType.objects.filter(is_active=True).order_by("position", "name")


def overdue_q() -> Q:
    return Q(status__in=UNFINISHED_TASK_STATUSES, due_at__lt=timezone.now())


def incident_clocks(*, incident: Incident) -> dict:
    """What the header's clocks show: since detection, since the last public statement
    (``statements``: only once statements exist), and the next task due. Statements are
    timeline entries of kind ``statement`` with ``data.published`` (written by the
    statements issue), so crisis never imports comms."""
    statements = TimelineKind.STATEMENT in kinds_in_use()
    last_statement = None
    if statements:
        last_statement = (
            TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.STATEMENT,
                                         data__published=True)
            .order_by("-created_at").values_list("created_at", flat=True).first()
        )
    next_task = (
        incident.tasks.filter(status__in=UNFINISHED_TASK_STATUSES, due_at__isnull=False)
        .order_by("due_at", "pk").first()
    )
    return {"detected_at": incident.detected_at, "statements": statements,
            "last_statement_at": last_statement,
            "next_task": next_task}


def live_events_after(*, incident_id: int, after: int, limit: int) -> list[LiveEvent]:
    """An incident's events after ``seq`` ``after``, oldest first (the caller may view it)."""
    return list(LiveEvent.objects.filter(incident_id=incident_id, seq__gt=after)
                .order_by("seq")[:limit])
