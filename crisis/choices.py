from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentStatus(models.TextChoices):
    TRIAGE = "triage", _("Triage")
    ACTIVE = "active", _("Active")
    CONTAINED = "contained", _("Contained")
    RECOVERING = "recovering", _("Recovering")
    CLOSED = "closed", _("Closed")

    @property
    def is_open(self) -> bool:
        return self is not IncidentStatus.CLOSED


class Severity(models.TextChoices):
    """How bad it is. Its colour scale (violet, light to dark) never reuses warning colours."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")

    @property
    def rank(self) -> int:
        return list(Severity).index(self) + 1

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
