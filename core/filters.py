"""Filter bases every app's FilterSets use (API and pages alike): an id filter that takes
only ids a database can hold, a time filter for times that exist in UTC and a true/false
filter that refuses anything else, so a bad value is a 400 naming the parameter, never a
database error nor a filter silently left out."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from .forms import BooleanField, IdField, check_in_utc


class IdFilter(django_filters.NumberFilter):
    field_class = IdField


class BooleanFilter(django_filters.BooleanFilter):
    field_class = BooleanField


class OverdueFilter(BooleanFilter):
    """``overdue``: true keeps the rows ``overdue_q()`` selects, false the others."""

    def __init__(self, overdue_q, **kwargs):
        self.overdue_q = overdue_q
        kwargs.setdefault("label", _("Overdue"))
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(self.overdue_q()) if value else qs.exclude(self.overdue_q())


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        return check_in_utc(super().to_python(value))


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
