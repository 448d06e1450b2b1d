"""Relative time: the server's words and steps (live.js mirrors them from ``words()``)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from core.reltime import elapsed, relative_time, words

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(seconds=44), "now"),
    (-timedelta(seconds=44), "now"),
    (timedelta(seconds=45), "in 1 minute"),
    (timedelta(minutes=59, seconds=10), "in 59 minutes"),
    (-timedelta(minutes=1, seconds=30), "1 minute ago"),  # halves round up, as Math.round
    (timedelta(minutes=1, seconds=30), "in 2 minutes"),
    (timedelta(minutes=59, seconds=40), "in 60 minutes"),
    (timedelta(hours=1), "in 1 hour"),
    (-timedelta(hours=23, minutes=59), "24 hours ago"),
    (-timedelta(days=2, hours=1), "2 days ago"),
    (timedelta(days=1), "in 1 day"),
])
def test_relative_time_in_english(delta, text):
    with translation.override("en"):
        assert relative_time(NOW + delta, now=NOW) == text


def test_the_scripts_words_are_the_servers():
    with translation.override("en"):
        minute = words()["units"][0]
        served = relative_time(NOW - timedelta(minutes=5), now=NOW)
    assert minute["unit"] == "minute"
    assert minute["future"] == {"one": "in __n__ minute", "other": "in __n__ minutes"}
    assert minute["past"]["other"].replace("__n__", "5") == served


@pytest.mark.parametrize(("minutes", "text"), [
    (0, "0 min"), (59, "59 min"), (60, "1 h 00 min"), (125, "2 h 05 min"),
    (24 * 60 - 1, "23 h 59 min"), (3 * 24 * 60 + 4 * 60 + 30, "3 d 4 h"), (-5, "0 min"),
])
def test_elapsed_clock_in_english(minutes, text):
    with translation.override("en"):
        assert elapsed(minutes) == text


@pytest.mark.parametrize("language", ["en", "zh-hant", "zh-hans"])
def test_the_scripts_clock_words_are_the_servers(language):
    """incident-room.js fills ``words()["elapsed"]`` as below (minutes two digits beside
    hours): the clock reads the same before and after it ticks, in every language."""
    with translation.override(language):
        clock = words()["elapsed"]
        for minutes in (7, 125, 3 * 24 * 60 + 4 * 60 + 30):
            days, rest = divmod(minutes, 24 * 60)
            hours, mins = divmod(rest, 60)
            phrase = clock["days"] if days else clock["hours"] if hours else clock["minutes"]
            script = (phrase.replace("__d__", str(days)).replace("__h__", str(hours))
                      .replace("__m__", f"{mins:02d}" if days or hours else str(mins)))
            assert script == elapsed(minutes)
    if language == "zh-hant":
        assert script == "3 天 4 小時"
