import django_filters

from .choices import Duty
from .models import DutyShift


class DutyShiftFilter(django_filters.FilterSet):
    duty = django_filters.ChoiceFilter(choices=Duty.choices)
    on = django_filters.DateFilter(method="filter_on", label="On duty on this date")

    class Meta:
        model = DutyShift
        fields = ["duty", "user"]

    def filter_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)
