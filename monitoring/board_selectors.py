"""Reads of the alert board and the alert page, restricted to what the reader may see
(alerts through ``monitoring.alert_selectors``; mentions with ``monitoring.view_mention``)."""

from collections import Counter

from django.db.models import QuerySet

from crisis import selectors as crisis_selectors
from crisis.choices import IncidentStatus, WarningLevel
from crisis.permissions import can_manage_incident

from .alert_selectors import alert_list
from .alerts import describe_signals
from .choices import ACTIVE_ALERT_STATUSES, Platform
from .models import Alert, Mention, Watch
from .permissions import can_view_alerts, can_view_mentions

ATTACHABLE_INCIDENTS = 50  # the latest open incidents one may attach an alert to


def active_alerts(*, user) -> list[Alert]:
    """Open and acknowledged alerts, red first, ready to show (``decorate``)."""
    return [decorate(alert) for alert in
            alert_list(user=user).filter(status__in=ACTIVE_ALERT_STATUSES)]


def decorate(alert: Alert) -> Alert:
    """What the board shows of an alert, in the reader's language: its signals in words,
    its platforms by name and how many evidence mentions it holds (prefetched)."""
    alert.signal_words = describe_signals(alert.signals)
    alert.platform_words = [(_platform_label(item.get("platform", "")), item.get("count", 0))
                            for item in alert.top_platforms or []]
    alert.evidence_count = len(alert.evidence_rows.all())
    return alert


def _platform_label(value: str) -> str:
    try:
        return str(Platform(value).label)
    except ValueError:
        return value


def alerts_by_level(alerts) -> list[tuple[WarningLevel, list[Alert]]]:
    """[(red, [...]), (orange, [...]), ...] holding the levels that have alerts."""
    grouped: dict[str, list[Alert]] = {}
    for alert in alerts:
        grouped.setdefault(alert.level, []).append(alert)
    return [(level, grouped[level.value]) for level in reversed(WarningLevel)
            if level.value in grouped]


def board_watches(*, user) -> QuerySet[Watch]:
    if not can_view_alerts(user):
        return Watch.objects.none()
    return Watch.objects.filter(is_active=True).order_by("name")


def mention_stream(*, user) -> QuerySet[Mention]:
    """Every mention matched by a watch, newest first (filtered by ``MentionStreamFilter``)."""
    if not can_view_mentions(user):
        return Mention.objects.none()
    return (Mention.objects.filter(matches__isnull=False).distinct()
            .prefetch_related("watches").order_by("-posted_at", "-pk"))


def attachable_incidents(*, user) -> list:
    """Open incidents ``user`` may attach an alert to (those they manage), latest first."""
    open_ones = (crisis_selectors.incident_list(user=user)
                 .exclude(status=IncidentStatus.CLOSED).filter(merged_into__isnull=True)
                 .order_by("-created_at")[:ATTACHABLE_INCIDENTS])
    return [incident for incident in open_ones if can_manage_incident(user, incident)]


def evidence_mentions(alert: Alert) -> list[Mention]:
    """The alert's evidence, widest reach first (prefetched by ``alert_list``)."""
    return sorted((row.mention for row in alert.evidence_rows.all()),
                  key=lambda mention: (-mention.reach, mention.pk))


def platform_counts(mentions) -> list[tuple[str, int]]:
    return Counter(mention.get_platform_display() for mention in mentions).most_common()
