"""One FilterSet per model, shared by the API and the pages."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.filters import IdFilter, OverdueFilter

from .models import ActionItem, ActionItemStatus, PostIncidentReview
from .selectors import overdue_q


class ReviewFilter(django_filters.FilterSet):
    incident = IdFilter(field_name="incident_id", label=_("Incident"))

    class Meta:
        model = PostIncidentReview
        fields = ["incident"]


class ActionItemFilter(django_filters.FilterSet):
    review = IdFilter(field_name="review_id", label=pgettext_lazy("post-incident review", "Review"))
    incident = IdFilter(field_name="review__incident_id", label=_("Incident"))
    owner = IdFilter(field_name="owner_id", label=_("Owner"))
    status = django_filters.MultipleChoiceFilter(choices=ActionItemStatus.choices,
                                                 label=_("Status"), distinct=False)
    overdue = OverdueFilter(overdue_q)

    class Meta:
        model = ActionItem
        fields = ["review", "incident", "owner", "status", "overdue"]
