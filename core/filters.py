"""Filter bases every app's FilterSets use (API and pages alike): an id filter that takes
only ids a database can hold and a time filter for times that exist in UTC, so a bad
value is a 400 naming the parameter, never a database error."""

import django_filters
from django_filters.fields import IsoDateTimeField

from .forms import IdField, check_in_utc


class IdFilter(django_filters.NumberFilter):
    field_class = IdField


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        return check_in_utc(super().to_python(value))


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
