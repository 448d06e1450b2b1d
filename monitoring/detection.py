"""Spike detection: a watch's last minutes against its baseline, through the warning rules.

``evaluate(watch_id=…)`` reads only minute buckets (never mentions), the baseline row of
the hour of the week and the active rules, so it costs the same for a watch holding ten
mentions or ten million (a few small indexed queries).

A rule looks at its last window (``window_minutes``, the current minute included) and
computes the signals:

- ``mentions``: how many mentions in the window;
- ``volume_z``: (mentions − expected) / standard deviation, from the baseline
  (``baseline.Expected.over``);
- ``volume_ratio``: mentions / expected (expected counted as at least one mention);
- ``negative_share``: negative mentions / mentions;
- ``velocity``: growth against the window before (1.0 = doubled; from nothing it counts as
  from one mention);
- ``negative_reach``: the summed reach of the negative mentions;
- ``influencer``: the most followers of an author posting negatively.

It matches when the window holds at least ``min_mentions`` and every threshold it sets is
crossed, ``persistence`` windows in a row (the current one and those just before it). The
highest level among the matching rules wins. A rule of the watch itself replaces the
rules for every watch at its level.

Entry points: ``evaluate`` (pure reading; ``Evaluation``), and ``monitoring.tasks`` which
evaluates after each ingest batch (debounced) and every minute, and hands the result to
``monitoring.alerts.alert_update_from_evaluation``.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from crisis.choices import WarningLevel

from .baseline import Expected, expected_for
from .models import MentionBucket, WarningRule

SIGNAL_CODES = ("mentions", "volume_z", "volume_ratio", "negative_share", "velocity",
                "negative_reach", "influencer")
"""Every signal a rule can set a threshold on, in the order they are put into words."""

RULE_THRESHOLDS = {"volume_z": "volume_z", "volume_ratio": "volume_ratio",
                   "negative_share": "negative_share", "velocity": "velocity",
                   "negative_reach": "negative_reach", "influencer": "influencer_followers"}
"""signal code → the WarningRule field holding its threshold."""


@dataclass
class Window:
    start: datetime.datetime
    end: datetime.datetime
    mentions: int = 0
    negative: int = 0
    reach: int = 0
    negative_reach: int = 0
    top_negative_followers: int = 0


@dataclass
class Evaluation:
    """What one look at a watch found. ``level`` is "" when no rule matched; ``signals``
    are the matching rule's, as stored on the alert: a list of
    ``{"code", "value", "threshold"}`` (threshold ``None`` when the rule sets none),
    the ``volume_*`` ones with ``hour_of_week`` of the baseline they compare with."""

    watch_id: int
    at: datetime.datetime
    level: str = ""
    rule: WarningRule | None = None
    signals: list[dict] = field(default_factory=list)
    window_start: datetime.datetime | None = None
    first_mention_at: datetime.datetime | None = None
    expected: Expected | None = None


def minute_floor(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


def active_rules(*, watch_id: int) -> list[WarningRule]:
    """The rules that apply to a watch: its own, and those for every watch at the levels it
    has none of."""
    rules = list(WarningRule.objects.filter(Q(watch=None) | Q(watch_id=watch_id),
                                            is_active=True).order_by("pk"))
    own_levels = {rule.level for rule in rules if rule.watch_id}
    return [rule for rule in rules if rule.watch_id or rule.level not in own_levels]


def _windows(buckets: list[MentionBucket], *, end: datetime.datetime, minutes: int,
             count: int) -> list[Window]:
    """``count`` windows of ``minutes`` ending at ``end``, newest first."""
    windows = [Window(start=end - datetime.timedelta(minutes=minutes * (k + 1)),
                      end=end - datetime.timedelta(minutes=minutes * k)) for k in range(count)]
    for bucket in buckets:
        for window in windows:
            if window.start <= bucket.start < window.end:
                window.mentions += bucket.mentions
                window.negative += bucket.negative
                window.reach += bucket.reach
                window.negative_reach += bucket.negative_reach
                window.top_negative_followers = max(window.top_negative_followers,
                                                    bucket.top_negative_followers)
                break
    return windows


def signals_of(window: Window, before: Window, expected: Expected, minutes: int) -> dict:
    """Every signal of ``window`` (``before``: the window just before it)."""
    mean, deviation = expected.over(minutes)
    return {
        "mentions": window.mentions,
        "volume_z": (window.mentions - mean) / deviation,
        "volume_ratio": window.mentions / max(mean, 1.0),
        "negative_share": window.negative / window.mentions if window.mentions else 0.0,
        "velocity": window.mentions / max(before.mentions, 1) - 1,
        "negative_reach": window.negative_reach,
        "influencer": window.top_negative_followers,
    }


def rule_matches(rule: WarningRule, values: dict) -> bool:
    if values["mentions"] < rule.min_mentions:
        return False
    for code, threshold_field in RULE_THRESHOLDS.items():
        threshold = getattr(rule, threshold_field)
        if threshold is not None and values[code] < threshold:
            return False
    return True


def _stored_signals(rule: WarningRule, values: dict, expected: Expected) -> list[dict]:
    signals = []
    for code in SIGNAL_CODES:
        threshold = rule.min_mentions if code == "mentions" else getattr(
            rule, RULE_THRESHOLDS[code])
        value = values[code]
        signal = {"code": code, "value": round(value, 3) if isinstance(value, float) else value,
                  "threshold": threshold}
        if code.startswith("volume_"):
            signal["hour_of_week"] = expected.hour_of_week
        signals.append(signal)
    if rule.persistence > 1:
        signals.append({"code": "persistence", "value": rule.persistence,
                        "threshold": rule.persistence, "window_minutes": rule.window_minutes})
    return signals


def _spike_start(buckets: list[MentionBucket], since: datetime.datetime,
                 expected: Expected) -> datetime.datetime | None:
    """The first minute since ``since`` busier than usual (more than two standard
    deviations over the mean of a minute): where the spike began."""
    mean, deviation = expected.over(1)
    unusual = [b.start for b in buckets if b.start >= since and b.mentions > mean + 2 * deviation]
    return min(unusual, default=None)


SPIKE_LOOKBACK = datetime.timedelta(hours=6)
SPIKE_GAP_MINUTES = 3


def spike_began(*, watch_id: int, expected: Expected, at: datetime.datetime
                ) -> datetime.datetime:
    """Where the spike that reached ``at`` began: walking back from ``at`` through the busy
    minutes (more than two standard deviations over the usual minute), across gaps of up to
    ``SPIKE_GAP_MINUTES`` quieter minutes, at most ``SPIKE_LOOKBACK`` (one query; asked when
    an alert opens)."""
    mean, deviation = expected.over(1)
    busy = set(MentionBucket.objects.filter(
        watch_id=watch_id, start__gte=at - SPIKE_LOOKBACK, start__lte=at,
        mentions__gt=mean + 2 * deviation).values_list("start", flat=True))
    began, minute, quiet = at, at, 0
    while minute > at - SPIKE_LOOKBACK and quiet <= SPIKE_GAP_MINUTES:
        minute -= datetime.timedelta(minutes=1)
        if minute in busy:
            began, quiet = minute, 0
        else:
            quiet += 1
    return began


def evaluate(*, watch_id: int, now: datetime.datetime | None = None,
             rules: list[WarningRule] | None = None) -> Evaluation:
    """Look at a watch now: the level its rules reach and why (see the module's doc)."""
    now = now or timezone.now()
    result = Evaluation(watch_id=watch_id, at=now)
    rules = active_rules(watch_id=watch_id) if rules is None else rules
    if not rules:
        return result
    end = minute_floor(now) + datetime.timedelta(minutes=1)
    span = max(rule.window_minutes * (max(rule.persistence, 1) + 1) for rule in rules)
    buckets = list(MentionBucket.objects.filter(
        watch_id=watch_id, start__gte=end - datetime.timedelta(minutes=span), start__lt=end,
    ).only("start", "mentions", "negative", "reach", "negative_reach",
           "top_negative_followers"))
    if not buckets:
        return result
    expected = expected_for(watch_id=watch_id, at=now)
    result.expected = expected
    best_rank = 0
    for rule in rules:
        minutes, persistence = rule.window_minutes, max(rule.persistence, 1)
        windows = _windows(buckets, end=end, minutes=minutes, count=persistence + 1)
        values = [signals_of(windows[k], windows[k + 1], expected, minutes)
                  for k in range(persistence)]
        if not all(rule_matches(rule, v) for v in values):
            continue
        rank = WarningLevel(rule.level).rank
        if rank <= best_rank:
            continue
        best_rank = rank
        result.level, result.rule = rule.level, rule
        result.signals = _stored_signals(rule, values[0], expected)
        result.window_start = windows[0].start
        result.first_mention_at = _spike_start(buckets, windows[persistence - 1].start,
                                               expected) or windows[0].start
    return result
