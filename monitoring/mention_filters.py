"""Filters of the mention list (``/api/mentions/``): watch, platform, sentiment label,
language, minimum reach, posted range and words in the text (``q``)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Platform, SentimentLabel
from .models import Mention, Watch

MAX_SEARCH = 200


class MentionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=MAX_SEARCH)
    watch = django_filters.ModelChoiceFilter(label=_("Watch"), field_name="matches__watch",
                                             queryset=Watch.objects.all())
    platform = django_filters.ChoiceFilter(label=_("Platform"), choices=Platform.choices)
    sentiment = django_filters.ChoiceFilter(label=_("Sentiment"), field_name="sentiment_label",
                                            choices=SentimentLabel.choices)
    language = django_filters.CharFilter(label=_("Language"), method="language_is",
                                         max_length=16)
    min_reach = django_filters.NumberFilter(label=_("Reach at least"), field_name="reach",
                                            lookup_expr="gte", min_value=0)
    posted_after = django_filters.IsoDateTimeFilter(label=_("Posted from"),
                                                    field_name="posted_at", lookup_expr="gte")
    posted_before = django_filters.IsoDateTimeFilter(label=_("Posted before"),
                                                     field_name="posted_at", lookup_expr="lt")

    class Meta:
        model = Mention
        fields = ["q", "watch", "platform", "sentiment", "language", "min_reach",
                  "posted_after", "posted_before"]

    def search(self, queryset, name, value):
        return queryset.filter(text__icontains=value.strip()) if value.strip() else queryset

    def language_is(self, queryset, name, value):
        """"zh" is every Chinese; "zh-Hant" that one (any case)."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(language__iexact=value) | Q(language__istartswith=value + "-"))
