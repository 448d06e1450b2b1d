from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RankedChoices(models.TextChoices):
    """Choices whose order means something: rank 1 is the lowest."""

    @property
    def rank(self) -> int:
        return list(type(self)).index(self) + 1


class IncidentStatus(models.TextChoices):
    TRIAGE = "triage", _("Triage")
    ACTIVE = "active", _("Active")
    CONTAINED = "contained", _("Contained")
    RECOVERING = "recovering", _("Recovering")
    CLOSED = "closed", _("Closed")

    @property
    def is_open(self) -> bool:
        return self is not IncidentStatus.CLOSED


# The lifecycle: where each state may go next (reopen and merge are their own services).
TRANSITIONS = {
    IncidentStatus.TRIAGE: (IncidentStatus.ACTIVE,),
    IncidentStatus.ACTIVE: (IncidentStatus.CONTAINED,),
    IncidentStatus.CONTAINED: (IncidentStatus.RECOVERING, IncidentStatus.ACTIVE),
    IncidentStatus.RECOVERING: (IncidentStatus.CLOSED, IncidentStatus.ACTIVE),
    IncidentStatus.CLOSED: (),
}

def is_step_back(current: IncidentStatus, target: IncidentStatus) -> bool:
    """Going back along the lifecycle (e.g. contained → active) needs a reason."""
    order = list(IncidentStatus)
    return order.index(target) < order.index(current)


# The lifecycle timestamp each state sets the first time it is reached.
STATUS_TIMESTAMPS = {
    IncidentStatus.ACTIVE: "acknowledged_at",
    IncidentStatus.CONTAINED: "contained_at",
    IncidentStatus.RECOVERING: "resolved_at",
    IncidentStatus.CLOSED: "closed_at",
}


class Severity(RankedChoices):
    """How bad it is. Its colour scale (violet, light to dark) never reuses warning colours."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")

    @property
    def description(self) -> str:
        return SEVERITY_DESCRIPTIONS[self]


SEVERITY_DESCRIPTIONS = {
    Severity.LOW: _("Limited attention, no harm to people or trust; handled in normal work."),
    Severity.MEDIUM: _("Spreading beyond one channel or region; needs a coordinated answer."),
    Severity.HIGH: _("National media, regulators or many customers affected; executives informed."),
    Severity.CRITICAL: _(
        "Safety, legal exposure or lasting damage to trust; the whole crisis team, now."
    ),
}


class WarningLevel(RankedChoices):
    """Early-warning level, blue < yellow < orange < red (the colours mean this everywhere)."""

    BLUE = "blue", _("Blue")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class Origin(models.TextChoices):
    EXTERNAL = "external", _("External")
    INTERNAL = "internal", _("Internal")


class Confidentiality(RankedChoices):
    INTERNAL = "internal", _("Internal")
    RESTRICTED = "restricted", _("Restricted")
    CONFIDENTIAL = "confidential", _("Confidential")


class StakeholderKind(models.TextChoices):
    """Who is affected. comms maps its stakeholder groups onto these kinds."""

    CUSTOMERS = "customers", _("Customers")
    EMPLOYEES = "employees", _("Employees")
    MEDIA = "media", _("Media")
    REGULATORS = "regulators", _("Regulators / government")
    INVESTORS = "investors", _("Investors")
    PARTNERS = "partners", _("Partners / suppliers")
    INFLUENCERS = "influencers", _("Influencers")
    AFFECTED_INDIVIDUALS = "affected_individuals", _("Affected individuals")


class TimelineKind(models.TextChoices):
    CREATED = "created", _("Incident opened")
    STATUS = "status", _("Status change")
    CLASSIFICATION = "classification", _("Classification")
    ESCALATION = "escalation", _("Escalation")
    NOTE = "note", _("Note")
    DECISION = "decision", _("Decision")
    KEY_MOMENT = "key_moment", _("Key moment")
    CORRECTION = "correction", _("Correction")
    TASK = "task", _("Task")
    MERGE = "merge", _("Merge")
    ROLE = "role", _("Role")
    STATEMENT = "statement", _("Statement")
    ALERT = "alert", _("Alert")
    REVIEW = "review", pgettext_lazy("post-incident review", "Review")


# What people write themselves; everything else is written by the services.
AUTHORED_KINDS = (TimelineKind.NOTE, TimelineKind.DECISION, TimelineKind.KEY_MOMENT)

# Kinds a higher app writes once its issue lands (statements: comms, alerts: monitoring,
# the post-incident review: reports).
# Pages offer them (a filter, a clock) only after that app declares it writes them
# (``crisis.timeline.declare_written`` in its ``AppConfig.ready()``): that one line brings
# them back (``crisis.timeline.kinds_in_use``).
KINDS_WRITTEN_LATER = (TimelineKind.STATEMENT, TimelineKind.ALERT, TimelineKind.REVIEW)


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")
    WAIVED = "waived", _("Waived")

    @property
    def is_finished(self) -> bool:
        return self in (TaskStatus.DONE, TaskStatus.WAIVED)

    @property
    def needs_reason(self) -> bool:
        return self in (TaskStatus.BLOCKED, TaskStatus.WAIVED)


UNFINISHED_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)


class DepartmentKind(models.TextChoices):
    COMMUNICATIONS = "communications", _("PR / communications")
    LEGAL = "legal", _("Legal")
    MARKETING = "marketing", _("Marketing")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    TECHNOLOGY = "technology", _("Technology")
    HR = "hr", _("Human resources")
    OPERATIONS = "operations", _("Operations")
    EXECUTIVE = "executive", _("Executive")
    GOVERNMENT_AFFAIRS = "government_affairs", _("Government affairs")
    OTHER = "other", _("Other")
