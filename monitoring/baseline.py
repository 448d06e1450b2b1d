"""What a watch usually sees: its baseline per hour of the week.

For every hour of the week (0 = Monday 00:00 UTC … 167 = Sunday 23:00) a watch keeps the
mean and variance of its mentions per minute and its usual negative share
(``Baseline``), exponentially weighted over the trailing weeks (this week's Sunday 09:00
counts most, the Sunday 09:00 a week before ``1 - WEEK_WEIGHT`` as much, and so on).

The baseline is computed again from the minute buckets (``MentionBucket``) each time
(``baseline_refresh``): the same buckets give the same baseline, late mentions are counted
and nothing drifts. Hours inside the watch's history without a bucket count as minutes
with no mention. An hour of the week with no history yet (a watch a few days old) takes
the watch's overall mean and variance of its recent history, with ``samples = 0``.
``expected_for`` adds a floor to the variance, so a quiet watch is not alarmed by two
mentions.

Refreshed every hour by the beat (``monitoring.tasks.refresh_baselines``) and on demand.
"""

import datetime
import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max, Min, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from .models import Baseline, MentionBucket, Watch

TRAILING_WEEKS = 8
WEEK_WEIGHT = 0.35
"""How much the most recent week counts against the older ones (EWMA's alpha)."""

RECENT_DAYS = 7
"""The history an hour of the week without samples falls back to."""

MIN_VARIANCE_PER_MINUTE = 0.25
"""Variance floor (mentions² per minute): ten quiet minutes are expected to vary by about
1.6 mentions, so a handful of posts is no spike."""

MINUTES_PER_HOUR = 60
HOURS_PER_WEEK = 168


def hour_of_week(moment: datetime.datetime) -> int:
    """0 = Monday 00:00–00:59 UTC … 167 = Sunday 23:00–23:59 UTC."""
    moment = moment.astimezone(datetime.UTC)
    return moment.weekday() * 24 + moment.hour


@dataclass(frozen=True)
class Expected:
    """The usual mentions per minute at one hour of the week, and how much they vary."""

    hour_of_week: int
    mean: float
    variance: float
    negative_share: float
    samples: int

    def over(self, minutes: int) -> tuple[float, float]:
        """(expected mentions, standard deviation) over ``minutes`` minutes, the variance
        floored (at least ``MIN_VARIANCE_PER_MINUTE`` and at least the mean, as counts
        of rare events vary)."""
        variance = max(self.variance, self.mean, MIN_VARIANCE_PER_MINUTE)
        return self.mean * minutes, math.sqrt(variance * minutes)


@dataclass
class _Hour:
    mentions: float = 0.0
    squares: float = 0.0
    negative: float = 0.0


def _hourly(watch_id: int, since: datetime.datetime, until: datetime.datetime) -> dict:
    """{hour start: (mentions, Σ mentions², negative)} of the watch's buckets in
    [since, until)."""
    rows = (MentionBucket.objects.filter(watch_id=watch_id, start__gte=since, start__lt=until)
            .annotate(hour=TruncHour("start", tzinfo=datetime.UTC)).values("hour")
            .annotate(total=Sum("mentions"), squares=Sum(F("mentions") * F("mentions")),
                      negative=Sum("negative")).order_by())
    return {row["hour"].astimezone(datetime.UTC): (row["total"] or 0, row["squares"] or 0,
                                                   row["negative"] or 0) for row in rows}


def compute_baseline(*, watch_id: int, now: datetime.datetime | None = None) -> list[Expected]:
    """The 168 hours of the week of a watch's baseline from its buckets of the trailing
    ``TRAILING_WEEKS`` weeks (completed hours only), without writing them."""
    now = now or timezone.now()
    this_hour = now.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    since = this_hour - datetime.timedelta(weeks=TRAILING_WEEKS)
    span = MentionBucket.objects.filter(watch_id=watch_id, start__lt=this_hour).aggregate(
        first=Min("start"), last=Max("start"))
    if span["first"] is None:
        return [Expected(h, 0.0, 0.0, 0.0, 0) for h in range(HOURS_PER_WEEK)]
    # The history starts with the first whole hour (an hour half before the first mention
    # would count as quiet).
    first = span["first"].astimezone(datetime.UTC)
    first_hour = first.replace(minute=0, second=0, microsecond=0)
    if first_hour < first:
        first_hour += datetime.timedelta(hours=1)
    first_hour = max(since, first_hour)
    hourly = _hourly(watch_id, first_hour, this_hour)

    weighted: dict[int, list[float]] = {h: [0.0, 0.0, 0.0, 0.0, 0] for h in range(168)}
    recent = _Hour()
    recent_minutes = 0
    recent_since = this_hour - datetime.timedelta(days=RECENT_DAYS)
    hour = first_hour
    while hour < this_hour:  # every hour of the history, those without buckets as zeros
        mentions, squares, negative = hourly.get(hour, (0, 0, 0))
        weeks_ago = (this_hour - hour - datetime.timedelta(hours=1)) // datetime.timedelta(weeks=1)
        weight = (1 - WEEK_WEIGHT) ** weeks_ago
        slot = weighted[hour_of_week(hour)]
        slot[0] += weight * mentions
        slot[1] += weight * squares
        slot[2] += weight * negative
        slot[3] += weight * MINUTES_PER_HOUR
        slot[4] += 1
        if hour >= recent_since:
            recent.mentions += mentions
            recent.squares += squares
            recent.negative += negative
            recent_minutes += MINUTES_PER_HOUR
        hour += datetime.timedelta(hours=1)

    def stats(mentions, squares, negative, minutes):
        mean = mentions / minutes
        return mean, max(squares / minutes - mean * mean, 0.0), (
            negative / mentions if mentions else 0.0)

    fallback = stats(recent.mentions, recent.squares, recent.negative, recent_minutes) \
        if recent_minutes else (0.0, 0.0, 0.0)
    baseline = []
    for how in range(HOURS_PER_WEEK):
        mentions, squares, negative, minutes, samples = weighted[how]
        if samples:
            baseline.append(Expected(how, *stats(mentions, squares, negative, minutes),
                                     samples))
        else:
            baseline.append(Expected(how, *fallback, 0))
    return baseline


def baseline_refresh(*, watch: Watch, now: datetime.datetime | None = None) -> int:
    """Compute a watch's baseline again from its buckets and store its 168 rows; returns
    how many hours of the week have history of their own."""
    now = now or timezone.now()
    expected = compute_baseline(watch_id=watch.pk, now=now)
    existing = {b.hour_of_week: b for b in Baseline.objects.filter(watch=watch)}
    new, changed = [], []
    for e in expected:
        row = existing.get(e.hour_of_week)
        if row is None:
            new.append(Baseline(watch=watch, hour_of_week=e.hour_of_week, mean=e.mean,
                                variance=e.variance, negative_share=e.negative_share,
                                samples=e.samples, updated_at=now))
        else:
            row.mean, row.variance, row.negative_share = e.mean, e.variance, e.negative_share
            row.samples, row.updated_at = e.samples, now
            changed.append(row)
    with transaction.atomic():
        Baseline.objects.bulk_create(new, ignore_conflicts=True)
        Baseline.objects.bulk_update(changed, ["mean", "variance", "negative_share", "samples",
                                               "updated_at"])
    return sum(1 for e in expected if e.samples)


def baselines_refresh(*, now: datetime.datetime | None = None) -> int:
    """Refresh every active watch's baseline; returns how many watches."""
    watches = list(Watch.objects.filter(is_active=True))
    for watch in watches:
        baseline_refresh(watch=watch, now=now)
    return len(watches)


def expected_for(*, watch_id: int, at: datetime.datetime) -> Expected:
    """The watch's usual minute at ``at``'s hour of the week (one indexed row). A watch
    whose baseline was never computed gets it computed now from its buckets, without
    storing it (the hourly refresh stores it)."""
    how = hour_of_week(at)
    row = Baseline.objects.filter(watch_id=watch_id, hour_of_week=how).first()
    if row is not None:
        return Expected(how, row.mean, row.variance, row.negative_share, row.samples)
    return compute_baseline(watch_id=watch_id, now=at)[how]
