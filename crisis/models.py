from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from core.live import SequencedEvent

from .choices import (
    Confidentiality,
    DepartmentKind,
    IncidentStatus,
    Origin,
    Severity,
    TaskStatus,
    TimelineKind,
    WarningLevel,
)
from .permissions import VIEW, VIEW_EVERY, VIEW_RESTRICTED, codename, is_active


def choice_rank(field: str, choices) -> Case:
    """A choice's rank (1 = lowest) as a database expression; unset is 0."""
    return Case(*(When(**{field: choice.value}, then=Value(choice.rank)) for choice in choices),
                default=Value(0), output_field=IntegerField())


def urgency_order() -> list:
    """Most urgent first: open before closed, then warning level, severity, newest.

    The incident list orders by exactly these expressions and an index holds them, so a
    page of the list reads a page of the index instead of sorting every incident.
    """
    return [
        Case(When(status=IncidentStatus.CLOSED, then=Value(1)), default=Value(0),
             output_field=IntegerField()).asc(),
        choice_rank("warning_level", WarningLevel).desc(),
        choice_rank("severity", Severity).desc(),
        F("created_at").desc(),
        F("id").desc(),
    ]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def urgency_key(incident) -> list[int]:
    """``urgency_order`` for an incident in hand: the list's order is ascending order of
    these keys (compared item by item). The list page stamps it on each row, so a row
    redrawn live moves to where a reload would put it."""
    rank = lambda choices, value: choices(value).rank if value else 0  # noqa: E731
    return [
        int(incident.status == IncidentStatus.CLOSED),
        -rank(WarningLevel, incident.warning_level),
        -rank(Severity, incident.severity),
        -((incident.created_at - EPOCH) // timedelta(microseconds=1)),
        -incident.pk,
    ]


def view_permission_pk() -> Subquery:
    """The view right's primary key, as a subquery PostgreSQL runs once per query (an
    InitPlan): the team check then reads the (user, permission) index of the rights alone,
    instead of joining auth_permission and django_content_type into every incident's
    subplan (``python -m bench incident_visibility --explain``). A subquery rather than a
    pk remembered by the process, which would go stale when permissions are made again
    (a test database flushed)."""
    return Subquery(Permission.objects.filter(content_type__app_label="crisis",
                                              codename=codename(VIEW)).order_by().values("pk")[:1])


def visibility_filter(user) -> Q | None:
    """The one confidentiality rule, as a filter on incidents (``None``: sees nothing).

    *internal*: every signed-in staff member; *restricted*: the team plus whoever may view
    restricted incidents (crisis managers, executives, auditors); *confidential*: the named
    team only, plus administrators. "The team" is whoever holds the view right on the
    incident through a role; the check is one indexed subquery, however many rights exist.
    (``crisis.selectors.may_view`` is the same rule for an incident already in hand.)
    """
    if not is_active(user):
        return None
    if user.is_superuser or user.has_perm(VIEW_EVERY):
        return Q()
    on_team = Exists(IncidentUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission_id=view_permission_pk()))
    visible = Q(confidentiality=Confidentiality.INTERNAL) | Q(on_team)
    if user.has_perm(VIEW_RESTRICTED):
        visible |= Q(confidentiality=Confidentiality.RESTRICTED)
    return visible


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "IncidentQuerySet":
        """Only the incidents ``user`` may view (``visibility_filter``): what every
        selector that takes ``user=`` narrows its rows by, as NetBox's ``restrict()`` does."""
        visible = visibility_filter(user)
        return self.none() if visible is None else self.filter(visible)


class IncidentType(models.Model):
    """What kind of crisis it is; admins keep the list (defaults ship in a migration)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")

    def __str__(self) -> str:
        # Shipped types are translated; a type an admin named is shown as named.
        return gettext(self.name)


class Incident(models.Model):
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("What is known so far: what happened, where, who is affected."),
    )
    # Classification
    type = models.ForeignKey(
        IncidentType, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("type")
    )
    origin = models.CharField(
        _("origin"), max_length=16, choices=Origin, default=Origin.EXTERNAL
    )
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity, default=Severity.MEDIUM
    )
    confidentiality = models.CharField(
        _("confidentiality"), max_length=16, choices=Confidentiality,
        default=Confidentiality.INTERNAL,
    )
    stakeholder_kinds = models.JSONField(_("affected stakeholders"), default=list, blank=True)
    affected_products = models.JSONField(_("affected products"), default=list, blank=True)
    affected_regions = models.JSONField(_("affected regions"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    is_drill = models.BooleanField(
        _("drill"), default=False,
        help_text=_("Drills run exactly like real incidents, are labelled everywhere and are "
                    "left out of real statistics."),
    )
    # Warning level: the early-warning rules set the automatic one, people the manual one;
    # the higher wins unless the lead overrides with a reason. `warning_level` is the result.
    warning_level = models.CharField(
        _("warning level"), max_length=8, choices=WarningLevel, blank=True
    )
    warning_level_auto = models.CharField(max_length=8, choices=WarningLevel, blank=True)
    warning_level_manual = models.CharField(max_length=8, choices=WarningLevel, blank=True)
    warning_level_overridden = models.BooleanField(default=False)
    # Lifecycle
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus, default=IncidentStatus.TRIAGE
    )
    detected_at = models.DateTimeField(_("detected"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    contained_at = models.DateTimeField(_("contained"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_duplicates",
        verbose_name=_("merged into"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="incidents_created",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        # Rights on one incident: roles grant them on that incident (django-guardian), a
        # global grant holds them on every incident its holder may view.
        permissions = [
            ("contribute_incident", _("Can write notes and work on tasks")),
            ("manage_team", _("Can manage the incident team")),
            ("draft_statement", _("Can draft statements")),
            ("approve_statement", _("Can approve statements")),
            ("publish_statement", _("Can publish statements")),
            ("manage_stakeholders", _("Can manage stakeholders")),
            ("edit_review", _("Can edit the post-incident review")),
            ("view_restricted_incident", _("Can view restricted incidents without a role")),
            ("view_every_incident", _("Can view every incident, confidential ones too")),
        ]
        indexes = [
            models.Index(*urgency_order(), name="incident_urgency_idx"),
            models.Index(fields=["status", "severity"]),
            models.Index(fields=["warning_level"]),
            models.Index(fields=["is_drill", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("crisis:incident-detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"INC-{self.pk:05d}" if self.pk else "INC-new"


class TimelineEntry(models.Model):
    """Append-only: written by the services (or a person's note) and never edited.

    A correction is a new entry that points at the one it corrects. Only the pin may change.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(_("kind"), max_length=24, choices=TimelineKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("by"),
    )
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
        verbose_name=_("corrects"),
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    merged_from = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("merged from"),
        help_text=_("The incident the entry was written in, when a merge moved it here."),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [
            models.Index(fields=["incident", "-created_at"]),
            models.Index(fields=["incident", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def kind_label(self) -> str:
        """``get_kind_display`` without the dictionary of every kind Django builds per
        call (a room draws thirty entries)."""
        try:
            return TimelineKind(self.kind).label
        except ValueError:
            return self.kind


class Playbook(models.Model):
    """The checklist for one incident type (or for every type, when type is empty)."""

    name = models.CharField(_("name"), max_length=120)
    incident_type = models.OneToOneField(
        IncidentType, on_delete=models.CASCADE, null=True, blank=True, related_name="playbook",
        verbose_name=_("incident type"),
        help_text=_("Empty: the general playbook, applied to every incident."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self) -> str:
        return self.name


class TaskTemplate(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="templates")
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    title = models.CharField(_("title"), max_length=200)
    guidance = models.TextField(_("guidance"), blank=True)
    min_severity = models.CharField(
        _("from severity"), max_length=16, choices=Severity, default=Severity.LOW,
        help_text=_("The task is added once the incident is at least this severe."),
    )
    due_after_minutes = models.PositiveIntegerField(
        _("due after (minutes)"), default=240,
        help_text=_("Counted from when the task is added to the incident."),
    )
    responsible_role = models.CharField(_("responsible role"), max_length=80, blank=True)
    responsible_department = models.CharField(
        _("responsible department"), max_length=32, choices=DepartmentKind, blank=True
    )
    checklist = models.JSONField(_("checklist items"), default=list, blank=True)

    class Meta:
        ordering = ["playbook", "position", "pk"]
        verbose_name = _("task template")
        verbose_name_plural = _("task templates")

    def __str__(self) -> str:
        return self.title


class Task(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    template = models.ForeignKey(
        TaskTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="tasks", verbose_name=_("owner"),
    )
    owner_role = models.CharField(_("owning role"), max_length=80, blank=True)
    owner_department = models.CharField(
        _("owning department"), max_length=32, choices=DepartmentKind, blank=True
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus, default=TaskStatus.OPEN
    )
    status_reason = models.TextField(_("reason"), blank=True)
    completed_at = models.DateTimeField(_("finished"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["position", "due_at", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            # A playbook's task is instantiated once per incident, however often it is
            # reclassified.
            models.UniqueConstraint(
                fields=["incident", "template"], condition=Q(template__isnull=False),
                name="task_once_per_template",
            )
        ]
        indexes = [
            models.Index(fields=["incident", "status"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "due_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return (self.due_at is not None and not TaskStatus(self.status).is_finished
                and self.due_at < timezone.now())


class ChecklistItem(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checklist_items")
    position = models.PositiveSmallIntegerField(default=100)
    text = models.CharField(_("text"), max_length=240)
    done = models.BooleanField(_("done"), default=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text


class TaskComment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("task comment")
        verbose_name_plural = _("task comments")

    def __str__(self) -> str:
        return self.body[:60]


class LiveEvent(SequencedEvent):
    """One event of an incident's live stream, written in the transaction of its change.

    ``seq`` counts an incident's events 1, 2, 3... without gaps, in commit order (the
    writer holds the incident's row lock until commit), so a client that reconnects asks
    for everything after the last ``seq`` it saw and knows when it missed one.
    """

    stream_field = "incident"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="live_events")

    class Meta:
        ordering = ["incident", "seq"]
        verbose_name = _("live event")
        verbose_name_plural = _("live events")
        constraints = [
            models.UniqueConstraint(fields=["incident", "seq"], name="live_event_seq_once"),
        ]


class IncidentUserObjectPermission(UserObjectPermissionBase):
    """Guardian's per-incident grants with a real foreign key, so visibility is a join on
    an index instead of a cast of generic object ids."""

    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("right on an incident")
        verbose_name_plural = _("rights on incidents")
