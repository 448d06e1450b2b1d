"""Filter bases every app's FilterSets use (API and pages alike): an id filter that takes
only ids a database can hold, a time filter for times that exist in UTC and a true/false
filter that refuses anything else, so a bad value is a 400 naming the parameter, never a
database error nor a filter silently left out."""

import django_filters
from django_filters.fields import IsoDateTimeField

from .forms import BooleanField, IdField, check_in_utc


class IdFilter(django_filters.NumberFilter):
    field_class = IdField


class BooleanFilter(django_filters.BooleanFilter):
    field_class = BooleanField


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        return check_in_utc(super().to_python(value))


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
