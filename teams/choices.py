from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from crisis.choices import DepartmentKind

# Departments whose members hear of every new incident until the on-duty roster
# (crisis teams issue) decides more precisely who is alerted.
STANDING_CRISIS_CORE = (
    DepartmentKind.COMMUNICATIONS,
    DepartmentKind.LEGAL,
    DepartmentKind.EXECUTIVE,
)


class NotificationKind(models.TextChoices):
    """What a notification is about. Adding a kind: a member here (and in ``IMPORTANT``
    when it should reach people by email with the default preference), then a
    ``teams.services.notification_send()`` call in the service that causes it."""

    INCIDENT_CREATED = "incident_created", _("New incident")
    INCIDENT_ESCALATED = "incident_escalated", _("Incident escalated")
    TASK_ASSIGNED = "task_assigned", _("Task assigned to you")
    TASK_OVERDUE = "task_overdue", _("Task overdue")
    TEAM_ADDED = "team_added", _("Added to an incident team")
    MENTION = "mention", _("You were mentioned")
    INCIDENT_MERGED = "incident_merged", _("Incident merged into another")
    APPROVAL_REQUESTED = "approval_requested", _("Statement waiting for your approval")
    STATEMENT_PUBLISHED = "statement_published", _("Statement published to you")
    ALERT_RAISED = "alert_raised", _("Early-warning alert")
    STAKEHOLDER_UPDATE_DUE = "stakeholder_update_due", _("Stakeholder update overdue")
    ACKNOWLEDGEMENT_MISSING = "acknowledgement_missing", _("Acknowledgements missing")
    PUBLICATION_NOT_SENT = "publication_not_sent", _("Scheduled publication not sent")
    ACTION_ITEM_OVERDUE = "action_item_overdue", _("Action item overdue")
    REVIEW_SIGNED_OFF = "review_signed_off", _("Post-incident review signed off")
    REVIEW_PDF_READY = "review_pdf_ready", _("Review PDF ready")

    @property
    def is_important(self) -> bool:
        """Emailed to people who keep the default preference ("important only")."""
        return self in IMPORTANT_NOTIFICATIONS

    @property
    def icon(self) -> str:
        """Tabler icon shown next to the kind (always with its label, never alone)."""
        return NOTIFICATION_ICONS.get(self, "bell")


# The one place that says which kinds matter enough for an email by default. Approval
# requested from you is one; so is an early-warning alert (a new one, or its level rising).
# A new incident reaches the standing crisis core, whose early word is the point.
IMPORTANT_NOTIFICATIONS = frozenset({
    NotificationKind.INCIDENT_CREATED,
    NotificationKind.TASK_ASSIGNED,
    NotificationKind.TEAM_ADDED,
    NotificationKind.MENTION,
    NotificationKind.INCIDENT_ESCALATED,
    NotificationKind.APPROVAL_REQUESTED,
    NotificationKind.ALERT_RAISED,
    NotificationKind.PUBLICATION_NOT_SENT,
    NotificationKind.REVIEW_SIGNED_OFF,
    NotificationKind.REVIEW_PDF_READY,
})
NOTIFICATION_ICONS = {
    NotificationKind.INCIDENT_CREATED: "urgent",
    NotificationKind.INCIDENT_ESCALATED: "trending-up",
    NotificationKind.TASK_ASSIGNED: "checkbox",
    NotificationKind.TASK_OVERDUE: "clock-exclamation",
    NotificationKind.TEAM_ADDED: "users-plus",
    NotificationKind.MENTION: "at",
    NotificationKind.INCIDENT_MERGED: "git-merge",
    NotificationKind.APPROVAL_REQUESTED: "gavel",
    NotificationKind.STATEMENT_PUBLISHED: "speakerphone",
    NotificationKind.ALERT_RAISED: "alert-triangle",
    NotificationKind.STAKEHOLDER_UPDATE_DUE: "users-group",
    NotificationKind.ACKNOWLEDGEMENT_MISSING: "mail-question",
    NotificationKind.PUBLICATION_NOT_SENT: "calendar-x",
    NotificationKind.ACTION_ITEM_OVERDUE: "clock-exclamation",
    NotificationKind.REVIEW_SIGNED_OFF: "signature",
    NotificationKind.REVIEW_PDF_READY: "file-type-pdf",
}


class EmailNotifications(models.TextChoices):
    """Which notifications a person also receives by email (all are kept in CrisisDesk)."""

    IMPORTANT = "important", _("Important ones only")
    ALL = "all", _("All of them")
    NONE = "none", _("None")

    def wants(self, kind: str) -> bool:
        if self is EmailNotifications.ALL:
            return True
        if self is EmailNotifications.NONE:
            return False
        return kind in IMPORTANT_NOTIFICATIONS


class RoleCode(StrEnum):
    """The roles the code itself relies on, by ``Role.code`` (the migrations ship them;
    administrators may add others, which the code never names)."""

    LEAD = "lead"
    DEPUTY = "deputy"
    SCRIBE = "scribe"


#: The roles the migrations ship (0003), by code. Services and approval stages look them up
#: by code and sign-offs name them, so their codes stay as shipped and they are never
#: deleted; administrators may rename them and add roles of their own.
SHIPPED_ROLE_CODES = frozenset({
    "lead", "deputy", "spokesperson", "legal_reviewer", "communications_officer", "scribe",
    "liaison", "executive_sponsor", "observer",
})


class HandoverPrevious(models.TextChoices):
    """What becomes of the old lead when the lead is handed over."""

    DEPUTY = "deputy", _("stays on as deputy lead")
    RELEASE = "release", _("is released from the lead role")


class Duty(models.TextChoices):
    MONITORING = "monitoring", _("Monitoring")
    CRISIS_LEAD = "crisis_lead", _("Crisis lead")


class Capability(models.TextChoices):
    """Global capabilities, shipped as Django groups (the value is the group's name)."""

    MONITORING_ANALYST = "Monitoring analysts", _("Monitoring analysts")
    CRISIS_MANAGER = "Crisis managers", _("Crisis managers")
    COMMUNICATIONS_OFFICER = "Communications officers", _("Communications officers")
    LEGAL_REVIEWER = "Legal reviewers", _("Legal reviewers")
    EXECUTIVE = "Executives", _("Executives")
    AUDITOR = "Auditors", _("Auditors")
    ADMINISTRATOR = "Administrators", _("Administrators")
