"""One FilterSet per model, shared by the API and the pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import BooleanFilter, IdFilter

from .choices import LANGUAGE_CHOICES, StatementKind, StatementStatus
from .models import PublishingFreeze, Statement


class StatementFilter(django_filters.FilterSet):
    incident = IdFilter(field_name="incident_id", label=_("Incident"))
    # Plain columns, no joins: nothing to de-duplicate.
    status = django_filters.MultipleChoiceFilter(choices=StatementStatus.choices,
                                                 label=_("Status"), distinct=False)
    kind = django_filters.MultipleChoiceFilter(choices=StatementKind.choices, label=_("Kind"),
                                               distinct=False)
    language = django_filters.MultipleChoiceFilter(choices=LANGUAGE_CHOICES,
                                                   label=_("Language"), distinct=False)

    class Meta:
        model = Statement
        fields = ["incident", "status", "kind", "language"]


class PublishingFreezeFilter(django_filters.FilterSet):
    incident = IdFilter(field_name="incident_id", label=_("Incident"))
    active = BooleanFilter(field_name="lifted_at", lookup_expr="isnull",
                           label=_("Active"))

    class Meta:
        model = PublishingFreeze
        fields = ["incident", "active"]
