import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter

from .choices import Duty
from .models import DutyShift


class DutyShiftFilter(django_filters.FilterSet):
    duty = django_filters.ChoiceFilter(choices=Duty.choices)
    # An id, not a choice of every user: the filter form would list them all to anyone.
    user = IdFilter(field_name="user_id", label=_("Person"))
    on = django_filters.DateFilter(method="filter_on", label="On duty on this date")

    class Meta:
        model = DutyShift
        fields = ["duty", "user"]

    def filter_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)
