"""One FilterSet per model, shared by the API and the pages."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from core.filters import BooleanFilter, IdFilter, IsoDateTimeFilter, OverdueFilter

from .choices import IncidentStatus, Severity, TaskStatus, TimelineKind, WarningLevel
from .models import Incident, IncidentType, IncidentUserObjectPermission, Task, TimelineEntry
from .selectors import overdue_q


@extend_schema_field({"type": "string", "description": "Incident type code, e.g. "
                                                      "product_quality; repeat for several."})
class IncidentTypeCodeFilter(django_filters.ModelMultipleChoiceFilter):
    pass


DRILL_CHOICES = (("exclude", _("Real incidents only")), ("only", _("Drills only")),
                 ("include", _("Real incidents and drills")))


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    # Plain columns, no joins: no duplicates to remove, and DISTINCT would defeat the
    # urgency index.
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices,
                                                 label=_("Status"), distinct=False)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, label=_("Severity"),
                                                   distinct=False)
    warning_level = django_filters.MultipleChoiceFilter(choices=WarningLevel.choices,
                                                        label=_("Warning level"), distinct=False)
    type = IncidentTypeCodeFilter(
        field_name="type__code", to_field_name="code", queryset=IncidentType.objects.all(),
        label=_("Type"))
    mine = BooleanFilter(method="filter_mine", label=_("Mine"))
    drill = django_filters.ChoiceFilter(choices=DRILL_CHOICES, method="filter_drill",
                                        label=_("Drills"), empty_label=None)
    created_after = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Created after"))
    created_before = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Created before"))

    class Meta:
        model = Incident
        fields = ["q", "status", "severity", "warning_level", "type", "mine", "drill",
                  "created_after", "created_before"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q(title__icontains=value) | Q(summary__icontains=value)
        reference = value.upper().removeprefix("INC-")
        if reference.isdigit():
            query |= Q(pk=int(reference))
        return queryset.filter(query)

    def filter_mine(self, queryset, name, value):
        """Incidents I opened, own a task in, or hold an active role on (what My work
        lists). A role is seen through the rights it grants on the incident (the guardian
        rights model, kept exactly in step with the active roles by teams), so crisis needs
        nothing of teams; subqueries, not joins, so no DISTINCT defeats the urgency index."""
        if not value:
            return queryset
        user = self.request.user
        owns_task = Exists(Task.objects.filter(incident=OuterRef("pk"), owner=user))
        holds_role = Exists(IncidentUserObjectPermission.objects.filter(
            content_object=OuterRef("pk"), user=user))
        return queryset.filter(Q(created_by=user) | Q(owns_task) | Q(holds_role))

    def filter_drill(self, queryset, name, value):
        if value == "exclude":
            return queryset.filter(is_drill=False)
        if value == "only":
            return queryset.filter(is_drill=True)
        return queryset


class TimelineEntryFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=TimelineKind.choices, label=_("Kind"))
    actor = IdFilter(field_name="actor_id", label=_("Person"))
    pinned = BooleanFilter(label=_("Pinned"))

    class Meta:
        model = TimelineEntry
        fields = ["kind", "actor", "pinned"]


class TaskFilter(django_filters.FilterSet):
    incident = IdFilter(field_name="incident_id", label=_("Incident"))
    owner = IdFilter(field_name="owner_id", label=_("Owner"))
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices, label=_("Status"))
    overdue = OverdueFilter(overdue_q)

    class Meta:
        model = Task
        fields = ["incident", "owner", "status", "overdue"]
