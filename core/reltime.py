"""Relative time ("in 59 minutes", "3 hours ago"): one formatter for pages and scripts.

The server writes it into ``<time data-reltime>`` and the page's script (static/js/live.js,
``refreshTimes``) keeps it current with the same words and the same rounding, taken from
``words()`` (rendered once into the page): a time reads the same before and after a live
redraw, in every language. (Django's naturaltime and the browser's Intl.RelativeTimeFormat
word it differently: "59 minutes from now" against "in 59 minutes".)

The room's clocks ("time since detection": "2 h 05 min") are the same kind of text:
``elapsed`` writes them and ``words()["elapsed"]`` hands incident-room.js the same words,
which keeps them ticking (the browser's Intl.DurationFormat words them otherwise, and
browsers without it showed English).
"""

import math
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext

# Under NOW seconds away: "now"; then minutes up to an hour, hours up to a day, then days.
NOW = 45
UNITS = (("minute", 60, 3600), ("hour", 3600, 86400), ("day", 86400, None))
N = "__n__"  # where the number goes in the words the script gets


def _phrase(unit: str, future: bool, count: int) -> str:
    """The phrase for ``count`` units, with ``%(n)s`` where the number goes."""
    if unit == "minute":
        return (ngettext("in %(n)s minute", "in %(n)s minutes", count) if future
                else ngettext("%(n)s minute ago", "%(n)s minutes ago", count))
    if unit == "hour":
        return (ngettext("in %(n)s hour", "in %(n)s hours", count) if future
                else ngettext("%(n)s hour ago", "%(n)s hours ago", count))
    return (ngettext("in %(n)s day", "in %(n)s days", count) if future
            else ngettext("%(n)s day ago", "%(n)s days ago", count))


def _round(x: float) -> int:
    """JavaScript's Math.round (halves up), which the script uses."""
    return math.floor(x + 0.5)


def relative_time(value: datetime, now: datetime | None = None) -> str:
    """``value`` relative to ``now`` in the active language."""
    seconds = _round((value - (now or timezone.now())).total_seconds())
    if abs(seconds) < NOW:
        return pgettext("relative time", "now")
    for unit, size, below in UNITS:
        if below is None or abs(seconds) < below:
            n = _round(seconds / size)
            return _phrase(unit, n >= 0, abs(n)) % {"n": abs(n)}
    raise AssertionError("unreachable")


def _elapsed_phrase(size: str) -> str:
    """The clock's words for a size ("days", "hours", "minutes"), with ``%(d)s``, ``%(h)s``
    and ``%(m)s`` where the numbers go (minutes two digits beside hours)."""
    if size == "days":
        return gettext("%(d)s d %(h)s h")
    if size == "hours":
        return gettext("%(h)s h %(m)s min")
    return gettext("%(m)s min")


def elapsed(minutes: int) -> str:
    """A clock of ``minutes`` passed, in the active language: "3 d 4 h", "2 h 05 min",
    "7 min"."""
    hours, mins = divmod(max(0, minutes), 60)
    days, hours = divmod(hours, 24)
    if days:
        return _elapsed_phrase("days") % {"d": days, "h": hours}
    if hours:
        return _elapsed_phrase("hours") % {"h": hours, "m": f"{mins:02d}"}
    return _elapsed_phrase("minutes") % {"m": mins}


def words() -> dict:
    """The same words and steps for the page's script, in the active language.

    Per unit (its size and the distance it is used below, in seconds) and direction, a
    phrase per plural category of ``Intl.PluralRules`` ("one", "other") with ``__n__`` for
    the number. English has both; Chinese has one form, which "other" carries. The clock's
    words per size (``elapsed``) with ``__d__``, ``__h__`` and ``__m__`` for the numbers.
    """
    markers = {"d": "__d__", "h": "__h__", "m": "__m__"}
    return {
        "now": pgettext("relative time", "now"),
        "elapsed": {size: _elapsed_phrase(size) % markers
                    for size in ("days", "hours", "minutes")},
        "nowBelow": NOW,
        "units": [
            {"unit": unit, "size": size, "below": below,
             **{direction: {"one": _phrase(unit, future, 1) % {"n": N},
                            "other": _phrase(unit, future, 2) % {"n": N}}
                for direction, future in (("future", True), ("past", False))}}
            for unit, size, below in UNITS
        ],
    }
