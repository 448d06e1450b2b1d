"""Detection on synthetic timelines: the level each reaches and when (default rules)."""

import datetime

import pytest

from monitoring.baseline import MIN_VARIANCE_PER_MINUTE, expected_for, hour_of_week
from monitoring.detection import evaluate
from monitoring.models import MentionBucket
from tests.conftest import count_queries
from tests.monitoring.timelines import (
    MINUTE,
    SUNDAY_0930,
    add,
    first_minute,
    history,
    ordinary_watch,
    play,
    storm_mentions,
)

pytestmark = pytest.mark.django_db
T0 = SUNDAY_0930


def test_a_quiet_week_raises_nothing():
    watch = ordinary_watch("Quiet")
    levels = play(watch, start=T0, minutes=30, rate=lambda m: 1, negative_share=0.2)
    assert set(levels) == {""}


def test_a_handful_of_posts_on_a_silent_watch_is_no_spike():
    watch = ordinary_watch("Silent", rate=lambda minute: 0.01)
    levels = play(watch, start=T0, minutes=5, rate=lambda m: 2 if m < 3 else 0,
                  negative_share=1.0)
    assert set(levels) == {""}
    assert expected_for(watch_id=watch.pk, at=T0).over(10)[1] >= (
        MIN_VARIANCE_PER_MINUTE * 10) ** 0.5


def test_a_gradual_negative_rise_turns_yellow_and_no_further():
    watch = ordinary_watch("Gradual")
    levels = play(watch, start=T0, minutes=60, rate=lambda m: 1 + 0.1 * m, negative_share=0.5)
    yellow = first_minute(levels, "yellow")
    assert yellow is not None and 8 <= yellow <= 20, levels
    assert not {"orange", "red"} & set(levels), levels
    assert set(levels[yellow:]) == {"yellow"}


def test_a_sudden_negative_storm_is_orange_at_once_and_red_when_it_persists():
    watch = ordinary_watch("Storm")
    levels = play(watch, start=T0, minutes=15, rate=lambda m: 40, negative_share=0.75,
                  followers=10_000)
    assert levels[0] == "orange", levels
    # Red takes two 5-minute windows in a row over the thresholds: at minute 8 the window
    # before the current one holds four minutes of the storm (1.2M negative reach).
    assert first_minute(levels, "red") == 8, levels
    assert set(levels[:8]) == {"orange"}


def test_an_influential_negative_author_makes_a_rising_storm_orange():
    def influencer(m):
        if m == 25:
            add(watch, T0 + 25 * MINUTE, mentions=1, negative=1,
                top_negative_followers=2_100_000)

    watch = ordinary_watch("Influencer")
    levels = play(watch, start=T0, minutes=30, rate=lambda m: 1 + 0.1 * m,
                  negative_share=0.55, extra=influencer)
    assert "orange" not in levels[:25], levels
    assert levels[25] == "orange", levels
    evaluation = evaluate(watch_id=watch.pk, now=T0 + 25 * MINUTE + datetime.timedelta(seconds=30))
    signals = {s["code"]: s for s in evaluation.signals}
    assert signals["influencer"]["value"] == 2_100_000
    assert signals["influencer"]["threshold"] == 500_000


def test_weekday_volume_on_a_sunday_is_unusual_and_on_a_monday_it_is_not():
    def office_hours(minute):
        return 3.0 if minute.weekday() < 5 and 8 <= minute.hour < 18 else 0.3

    monday = T0 + datetime.timedelta(days=1)  # Monday 09:30
    watch = ordinary_watch("Weekdays", end=monday + datetime.timedelta(hours=2), days=14,
                           rate=office_hours)
    MentionBucket.objects.filter(watch=watch, start__gte=T0 - datetime.timedelta(hours=1),
                                 start__lt=T0 + datetime.timedelta(hours=1)).delete()
    MentionBucket.objects.filter(watch=watch, start__gte=monday).delete()
    assert expected_for(watch_id=watch.pk, at=T0).mean < 0.5
    assert expected_for(watch_id=watch.pk, at=monday).mean > 2
    sunday = play(watch, start=T0, minutes=10, rate=lambda m: 3, negative_share=0.1)
    assert first_minute(sunday, "blue") is not None and first_minute(sunday, "blue") <= 4
    monday_levels = play(watch, start=monday, minutes=10, rate=lambda m: 3, negative_share=0.1)
    assert set(monday_levels) == {""}, monday_levels


CHINESE_STORM = [
    ("X2行動電源爆炸了，太可怕，退貨！", "zh-Hant"),
    ("X2充电宝起火，质量太差了，我要投诉", "zh-Hans"),
    ("又是X2過熱，客服完全不回應，很失望", "zh-Hant"),
    ("X2充电宝烧坏了我的手机，垃圾产品", "zh-Hans"),
]


def test_a_storm_in_chinese_is_negative_and_red_when_it_persists():
    watch = ordinary_watch("X2 行動電源", include_terms=["X2"])
    storm = CHINESE_STORM * 45  # 20 a minute for 9 minutes
    mentions = storm_mentions(watch, storm, start=T0, per_minute=20, followers=20_000)
    assert {m.sentiment_label for m in mentions} == {"negative"}
    levels = [evaluate(watch_id=watch.pk, now=T0 + m * MINUTE + datetime.timedelta(seconds=55))
              .level for m in range(9)]
    assert levels[0] == "orange", levels
    assert first_minute(levels, "red") == 7, str(levels)  # 3 storm minutes: 1.2M reach


def test_the_baseline_falls_back_to_recent_history_and_counts_quiet_hours_as_zero():
    watch = ordinary_watch("Young", days=2, rate=lambda minute: 2.0)
    thursday = T0 - datetime.timedelta(days=3)  # an hour of the week it has never seen
    row = expected_for(watch_id=watch.pk, at=thursday)
    assert row.samples == 0 and 1.7 < row.mean < 2.3
    seen = expected_for(watch_id=watch.pk, at=T0 - datetime.timedelta(hours=1))
    assert seen.samples == 1
    assert hour_of_week(T0) == 6 * 24 + 9


def test_evaluating_a_watch_reads_a_few_small_queries_however_much_it_holds():
    watch = ordinary_watch("Busy", days=3, rate=lambda minute: 30.0)  # ~130,000 mentions
    history(watch, end=T0 + 10 * MINUTE, days=10 / 1440, rate=lambda minute: 30.0, seed=3)
    queries = count_queries(lambda: evaluate(watch_id=watch.pk, now=T0 + 9 * MINUTE))
    assert queries <= 3  # its time is python -m bench monitoring's figure
