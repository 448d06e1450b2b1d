from django.db import models
from django.utils.translation import gettext_lazy as _


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


# Departments whose members hear of every new incident until the on-duty roster
# (crisis teams issue) decides more precisely who is alerted.
STANDING_CRISIS_CORE = (
    DepartmentKind.COMMUNICATIONS,
    DepartmentKind.LEGAL,
    DepartmentKind.EXECUTIVE,
)


class NotificationKind(models.TextChoices):
    INCIDENT_CREATED = "incident_created", _("New incident")
    INCIDENT_ESCALATED = "incident_escalated", _("Incident escalated")
    TASK_ASSIGNED = "task_assigned", _("Task assigned to you")
    TASK_OVERDUE = "task_overdue", _("Task overdue")
    TEAM_ADDED = "team_added", _("Added to an incident team")


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
