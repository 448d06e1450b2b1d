"""Reads of mentions and watches for whoever asks: mentions need ``monitoring.view_mention``
(they are people's posts), watches ``view_watch`` or ``view_alert``."""

from django.db.models import Prefetch, QuerySet

from .models import Mention, MentionMatch, Watch
from .permissions import can_view_mentions
from .watches import can_view_watches


def mention_list(*, user) -> QuerySet[Mention]:
    if not can_view_mentions(user):
        return Mention.objects.none()
    return Mention.objects.prefetch_related(
        Prefetch("matches", queryset=MentionMatch.objects.only("mention_id", "watch_id")))


def watch_list(*, user) -> QuerySet[Watch]:
    if not can_view_watches(user):
        return Watch.objects.none()
    return Watch.objects.order_by("name")
