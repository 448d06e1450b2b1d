"""The alert board's mention stream: filters by watch, platform, sentiment, language,
minimum reach and words in the text."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Platform, SentimentLabel
from .models import Mention, Watch

LANGUAGES = (("en", _("English")), ("zh-Hant", _("Traditional Chinese")),
             ("zh-Hans", _("Simplified Chinese")))
MAX_SEARCH = 200


class MentionStreamFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=MAX_SEARCH)
    watch = django_filters.ModelChoiceFilter(label=_("Watch"), field_name="watches",
                                             queryset=Watch.objects.order_by("name"),
                                             empty_label=_("Every watch"))
    platform = django_filters.ChoiceFilter(label=_("Platform"), choices=Platform.choices,
                                           empty_label=_("Every platform"))
    sentiment = django_filters.ChoiceFilter(label=_("Sentiment"), field_name="sentiment_label",
                                            choices=SentimentLabel.choices,
                                            empty_label=_("Any sentiment"))
    language = django_filters.ChoiceFilter(label=_("Language"), choices=LANGUAGES,
                                           empty_label=_("Any language"), method="language_is")
    min_reach = django_filters.NumberFilter(label=_("Reach at least"), field_name="reach",
                                            lookup_expr="gte", min_value=0)

    class Meta:
        model = Mention
        fields = ["q", "watch", "platform", "sentiment", "language", "min_reach"]

    def language_is(self, queryset, name, value):
        """The language and its regional forms: English is en, en-GB, en-US…"""
        return queryset.filter(Q(language=value) | Q(language__startswith=value + "-"))

    def search(self, queryset, name, value):
        return queryset.filter(text__icontains=value.strip()) if value.strip() else queryset
