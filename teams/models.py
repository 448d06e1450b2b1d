import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crisis.choices import DepartmentKind, Severity
from crisis.permissions import INCIDENT_RIGHT_CODENAMES

from .choices import SHIPPED_ROLE_CODES, Duty, EmailNotifications, NotificationKind, RoleCode

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class User(AbstractUser):
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=TIMEZONE_CHOICES,
        default="UTC",
        help_text=_("Times are shown to you in this zone; they are stored in UTC."),
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Pages and emails in this language. Empty: the site's default."),
    )
    email_notifications = models.CharField(
        _("email notifications"),
        max_length=16,
        choices=EmailNotifications,
        default=EmailNotifications.IMPORTANT,
        help_text=_("Every notification is kept in CrisisDesk; this decides which are also "
                    "emailed to you."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def email_language(self) -> str:
        """The language of what is written to this person outside a page (emails)."""
        return self.language or settings.LANGUAGE_CODE


class Department(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=DepartmentKind)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="departments",
        blank=True,
        verbose_name=_("members"),
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="departments_headed",
        verbose_name=_("head"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """Something a person should know about; stored, so nothing is lost while offline."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind)
    incident = models.ForeignKey(
        "crisis.Incident",
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=240)
    # One notification per recipient and cause, so a retried task never repeats itself.
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_once_per_cause"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class DutyShift(models.Model):
    """Who is on duty for monitoring or crisis lead from one date to another (inclusive).

    Alerts and escalations reach the people on duty; team assembly suggests them first."""

    duty = models.CharField(_("duty"), max_length=16, choices=Duty)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_shifts",
        verbose_name=_("person"),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))

    class Meta:
        ordering = ["starts_on", "duty", "pk"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="duty_shift_ends_after_start"),
        ]
        indexes = [models.Index(fields=["duty", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.get_duty_display()}: {self.user} ({self.starts_on} – {self.ends_on})"

    def clean(self):
        # The constraint's rule with a message naming the field, for every form that
        # validates a shift (the services', the admin's): the database's own message
        # names only the constraint.
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": [_("A shift ends on or after the day it starts.")]})


def _incident_right_choices() -> Q:
    return Q(content_type__app_label="crisis", content_type__model="incident",
             codename__in=INCIDENT_RIGHT_CODENAMES)


class Role(models.Model):
    """A part someone plays on one incident, and the rights on it that the part grants.

    Admins keep the list; the defaults ship in a data migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("what this person does"), blank=True)
    permissions = models.ManyToManyField(
        "auth.Permission", blank=True, related_name="incident_roles",
        limit_choices_to=_incident_right_choices, verbose_name=_("rights on the incident"),
    )
    single_holder = models.BooleanField(
        _("one holder at a time"), default=False,
        help_text=_("Like the incident lead: assigning it to someone ends the previous holder."),
    )
    per_department = models.BooleanField(
        _("held per department"), default=False,
        help_text=_("Like the department liaison: held for a named department."),
    )
    capability = models.ForeignKey(
        "auth.Group", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("suggest from"),
        help_text=_("Team assembly suggests people with this capability for the role."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        # Shipped roles are translated; a role an admin named is shown as named.
        return gettext(self.name)

    @property
    def is_shipped(self) -> bool:
        """One of the roles CrisisDesk ships: its code is fixed and it is never deleted."""
        return self.pk is not None and self.code in SHIPPED_ROLE_CODES

    @property
    def is_lead(self) -> bool:
        """The incident lead: one at a time, never simply ended (it is handed over)."""
        return self.code == RoleCode.LEAD


class RoleAssignment(models.Model):
    """Someone holding a role on an incident, from ``assigned_at`` until ``ended_at``.

    Never deleted: the review shows who held what when."""

    incident = models.ForeignKey(
        "crisis.Incident", on_delete=models.CASCADE, related_name="role_assignments",
        verbose_name=_("incident"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_assignments",
        verbose_name=_("person"),
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments",
                             verbose_name=_("role"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("department"),
    )
    note = models.CharField(_("note"), max_length=240, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("since"), default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("ended by"),
    )
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["role__position", "assigned_at", "pk"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "user", "role"],
                condition=Q(ended_at__isnull=True, department__isnull=True),
                name="role_held_once",
            ),
            models.UniqueConstraint(
                fields=["incident", "user", "role", "department"],
                condition=Q(ended_at__isnull=True, department__isnull=False),
                name="role_held_once_per_department",
            ),
        ]
        indexes = [
            models.Index(fields=["incident", "ended_at"]),
            models.Index(fields=["user", "ended_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.role}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class RolePolicy(models.Model):
    """Who an incident's team must include, by type and severity: "critical product
    incidents always get a legal reviewer". Applied when the incident is opened or
    escalated; the lead can change the team afterwards."""

    incident_type = models.ForeignKey(
        "crisis.IncidentType", on_delete=models.CASCADE, null=True, blank=True,
        related_name="role_policies", verbose_name=_("incident type"),
        help_text=_("Leave empty for every type."),
    )
    min_severity = models.CharField(
        _("from severity"), max_length=16, choices=Severity, default=Severity.LOW,
    )
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="policies",
                             verbose_name=_("role"))
    department_kind = models.CharField(
        _("department"), max_length=32, choices=DepartmentKind, blank=True,
        help_text=_("For roles held per department: a department of this kind."),
    )

    class Meta:
        ordering = ["role__position", "pk"]
        verbose_name = _("team policy")
        verbose_name_plural = _("team policies")

    def __str__(self) -> str:
        scope = self.incident_type or _("every type")
        return f"{scope} ≥ {self.get_min_severity_display()}: {self.role}"
