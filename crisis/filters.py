import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import IncidentStatus, Severity
from .models import Incident


class IncidentFilter(django_filters.FilterSet):
    """One filter for the incident list page and the API."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices,
                                                 label=_("Status"))
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, label=_("Severity"))
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Created after")
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Created before")
    )

    class Meta:
        model = Incident
        fields = ["q", "status", "severity", "created_after", "created_before"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q(title__icontains=value) | Q(summary__icontains=value)
        reference = value.upper().removeprefix("INC-")
        if reference.isdigit():
            query |= Q(pk=int(reference))
        return queryset.filter(query)
