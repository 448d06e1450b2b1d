"""Relative time: the server's words and steps (live.js mirrors them from ``words()``)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from core.reltime import relative_time, words

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
    assert minute["unit"] == "minute"
    assert minute["future"] == {"one": "in __n__ minute", "other": "in __n__ minutes"}
    assert minute["past"]["other"].replace("__n__", "5") == relative_time(
        NOW - timedelta(minutes=5), now=NOW)
