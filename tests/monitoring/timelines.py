"""Synthetic timelines for detection: a watch's minute buckets (what detection reads),
written straight into ``MentionBucket``, and a storm of real mentions (texts scored by
``monitoring.sentiment``) for the scenarios that need what the posts say."""

import datetime
import math
import random

from django.db.models import F
from django.db.models.functions import Greatest

from monitoring.baseline import baseline_refresh
from monitoring.detection import evaluate
from monitoring.models import Mention, MentionBucket, MentionMatch, Watch
from monitoring.sentiment import score

MINUTE = datetime.timedelta(minutes=1)
SUNDAY_0930 = datetime.datetime(2026, 11, 22, 9, 30, tzinfo=datetime.UTC)  # a Sunday


def _poisson(rng: random.Random, rate: float) -> int:
    if rate <= 0:
        return 0
    limit, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def history(watch: Watch, *, end: datetime.datetime, days: float, rate=lambda minute: 1.0,
            negative_share: float = 0.1, followers: int = 800, seed: int = 7) -> int:
    """``days`` of ordinary minutes before ``end``: Poisson(``rate(minute)``) mentions a
    minute, ``negative_share`` of them negative; returns how many mentions."""
    rng = random.Random(seed)
    minute = end - datetime.timedelta(days=days)
    rows, total = [], 0
    while minute < end:
        n = _poisson(rng, rate(minute))
        if n:
            negative = sum(rng.random() < negative_share for _ in range(n))
            rows.append(MentionBucket(watch=watch, start=minute, mentions=n, negative=negative,
                                      reach=n * followers, negative_reach=negative * followers,
                                      top_negative_followers=followers if negative else 0))
            total += n
        minute += MINUTE
    MentionBucket.objects.bulk_create(rows, batch_size=2000)
    return total


def add(watch: Watch, start: datetime.datetime, *, mentions: int, negative: int = 0,
        followers: int = 800, top_negative_followers: int = 0) -> None:
    """Add mentions to one minute's bucket (as ingestion does)."""
    start = start.replace(second=0, microsecond=0)
    top = max(top_negative_followers, followers if negative else 0)
    negative_reach = negative * followers + (top - followers if negative else 0)
    reach = mentions * followers + (top - followers if negative else 0)
    bucket, created = MentionBucket.objects.get_or_create(
        watch=watch, start=start,
        defaults={"mentions": mentions, "negative": negative, "reach": reach,
                  "negative_reach": negative_reach, "top_negative_followers": top})
    if not created:
        MentionBucket.objects.filter(pk=bucket.pk).update(
            mentions=F("mentions") + mentions, negative=F("negative") + negative,
            reach=F("reach") + reach, negative_reach=F("negative_reach") + negative_reach,
            top_negative_followers=Greatest("top_negative_followers", top))


def play(watch: Watch, *, start: datetime.datetime, minutes: int, rate, negative_share: float,
         followers: int = 800, extra=None, evaluate_each_minute: bool = True) -> list[str]:
    """Play ``minutes`` minutes from ``start`` (``rate(m)`` mentions in minute ``m``), looking
    at the watch 30 s into each minute; returns the level found each minute. ``extra(m)``
    may add to minute ``m`` (an influencer's post, say)."""
    levels = []
    for m in range(minutes):
        n = round(rate(m))
        if n:
            add(watch, start + m * MINUTE, mentions=n, negative=round(n * negative_share),
                followers=followers)
        if extra:
            extra(m)
        if evaluate_each_minute:
            levels.append(evaluate(watch_id=watch.pk,
                                   now=start + m * MINUTE + datetime.timedelta(seconds=30)).level)
    return levels


def first_minute(levels: list[str], level: str) -> int | None:
    return next((m for m, found in enumerate(levels) if found == level), None)


def ordinary_watch(name: str, *, end: datetime.datetime = SUNDAY_0930, days: float = 7,
                   rate=lambda minute: 1.0, **fields) -> Watch:
    watch = Watch.objects.create(name=name, include_terms=fields.pop("include_terms", [name]),
                                 **fields)
    history(watch, end=end, days=days, rate=rate)
    baseline_refresh(watch=watch, now=end)
    return watch


def storm_mentions(watch: Watch, texts: list[tuple[str, str]], *, start: datetime.datetime,
                   per_minute: int, followers: int = 20_000, platform: str = "weibo",
                   prefix: str = "storm") -> list[Mention]:
    """Real mentions (``(text, language)`` pairs, taken in turn) ``per_minute`` a minute
    from ``start``, scored by ``monitoring.sentiment``, matched to ``watch`` and counted in
    its buckets."""
    mentions = []
    for i, (text, language) in enumerate(texts):
        posted_at = start + (i // per_minute) * MINUTE + datetime.timedelta(seconds=i % 50)
        sentiment = score(text, language)
        mention = Mention.objects.create(
            platform=platform, external_id=f"{prefix}-{i}", author_handle=f"user{i}",
            author_followers=followers + i, text=text, posted_at=posted_at, language=language,
            reach=followers + i, sentiment=sentiment.score, sentiment_label=sentiment.label)
        MentionMatch.objects.create(mention=mention, watch=watch, posted_at=posted_at)
        negative = sentiment.label == "negative"
        add(watch, posted_at, mentions=1, negative=int(negative), followers=followers + i)
        mentions.append(mention)
    return mentions
