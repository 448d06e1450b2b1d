"""Filters of the alert list (API and board share them)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter
from crisis.choices import WarningLevel

from .choices import AlertStatus
from .models import Alert


class AlertFilter(django_filters.FilterSet):
    level = django_filters.MultipleChoiceFilter(choices=WarningLevel.choices, label=_("Level"),
                                                distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices,
                                                 label=_("Status"), distinct=False)
    watch = IdFilter(field_name="watch_id", label=_("Watch"))
    incident = IdFilter(field_name="incident_id", label=_("Incident"))

    class Meta:
        model = Alert
        fields = ["level", "status", "watch", "incident"]
