"""Choices of the stakeholder map (``comms.models.IncidentStakeholder``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StakeholderPriority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class UpdateCadence(models.IntegerChoices):
    """How often the team promised a group an update, in minutes."""

    HOUR = 60, _("Every hour")
    TWO_HOURS = 120, _("Every 2 hours")
    FOUR_HOURS = 240, _("Every 4 hours")
    EIGHT_HOURS = 480, _("Every 8 hours")
    DAY = 1440, _("Every day")


DEFAULT_PRIORITY = StakeholderPriority.MEDIUM
DEFAULT_CADENCE = UpdateCadence.FOUR_HOURS
