"""A watch's last hours as a chart reads them: mentions and negative share per point
(minute buckets summed into 5- or 10-minute points), the usual band for each point
(expected ± 2 standard deviations at that point's hour of the week, as detection reckons
it: ``monitoring.baseline.Expected``) and the level each alert of the watch reached, when.

The board's charts fetch it (``/api/watches/<id>/series/``) and the incident room's
Evidence panel renders it into the page; the same numbers drive both."""

import datetime

from django.utils import timezone

from .baseline import Expected, compute_baseline, hour_of_week
from .models import AlertLevelChange, Baseline, MentionBucket, Watch

MAX_HOURS = 72
BAND_WIDTH = 2  # standard deviations either side of the expected count


def step_minutes(hours: int) -> int:
    return 5 if hours <= 24 else 10


def _expected_by_hour(watch: Watch, now: datetime.datetime) -> dict[int, Expected]:
    rows = {row.hour_of_week: Expected(row.hour_of_week, row.mean, row.variance,
                                       row.negative_share, row.samples)
            for row in Baseline.objects.filter(watch=watch)}
    if rows:
        return rows
    # Never computed yet (a new watch): reckoned once from its buckets, not stored.
    return {expected.hour_of_week: expected
            for expected in compute_baseline(watch_id=watch.pk, now=now)}


def watch_series(*, watch: Watch, hours: int = 24, now: datetime.datetime | None = None
                 ) -> dict:
    """Columns for a chart: ``t`` (each point's start, epoch seconds), ``mentions``,
    ``negative_share`` (0–1, ``None`` without mentions), ``band_low`` / ``band_high``
    (``None`` where no usual is known), and ``markers`` (alert level changes)."""
    now = now or timezone.now()
    step = step_minutes(hours)
    step_seconds = step * 60
    end_ts = (int(now.timestamp()) // step_seconds + 1) * step_seconds
    start_ts = end_ts - hours * 3600
    start = datetime.datetime.fromtimestamp(start_ts, tz=datetime.UTC)
    end = datetime.datetime.fromtimestamp(end_ts, tz=datetime.UTC)
    count = hours * 3600 // step_seconds
    mentions, negative = [0] * count, [0] * count
    for bucket_start, total, negatives in (MentionBucket.objects
                                           .filter(watch=watch, start__gte=start, start__lt=end)
                                           .values_list("start", "mentions", "negative")):
        index = (int(bucket_start.timestamp()) - start_ts) // step_seconds
        mentions[index] += total
        negative[index] += negatives
    usual = _expected_by_hour(watch, now)
    times, low, high = [], [], []
    for index in range(count):
        t = start_ts + index * step_seconds
        times.append(t)
        expected = usual.get(hour_of_week(datetime.datetime.fromtimestamp(t, tz=datetime.UTC)))
        if expected is None or not (expected.samples or expected.mean):
            low.append(None)
            high.append(None)
            continue
        mean, deviation = expected.over(step)
        low.append(round(max(0.0, mean - BAND_WIDTH * deviation), 2))
        high.append(round(mean + BAND_WIDTH * deviation, 2))
    markers = [{"t": int(change.at.timestamp()), "level": change.level, "alert": change.alert_id}
               for change in AlertLevelChange.objects.filter(
                   alert__watch=watch, at__gte=start, at__lt=end).order_by("at", "pk")]
    return {
        "watch": watch.pk, "name": watch.name, "hours": hours, "step_minutes": step,
        "start": start_ts, "end": end_ts,
        "t": times, "mentions": mentions,
        "negative_share": [round(n / m, 3) if m else None for n, m in zip(negative, mentions,
                                                                          strict=True)],
        "band_low": low, "band_high": high, "markers": markers,
    }
