"""The review's charts as SVG markup, drawn by matplotlib's SVG backend: the same markup goes
inline into the review page and into its PDF (WeasyPrint).

Why matplotlib and not Pygal (both tried, 2026-11-27): Pygal writes a ``<script>`` into every
chart (its tooltip configuration, even with ``js=[]``), gives each chart a random id, has no
background spans or vertical markers for the warning levels and statements, and weighed
160 KB for 200 points; matplotlib draws spans, markers and a second axis directly, keeps
text as text (``svg.fonttype: none``) and, with a fixed ``svg.hashsalt``, writes the same
SVG for the same data (a 200-point volume chart: about 60 KB).

What the markup guarantees, whatever the data:
- no script, no event handler, no external reference: safe inline under the page's CSP;
- no ``style`` attribute or ``<style>`` element either: the page's CSP (``style-src 'self'``)
  refuses inline styles, which would leave the chart black; colours and fonts are
  presentation attributes;
- the font family of the active language on the ``<svg>`` itself (CSS does not reach text
  in an SVG under WeasyPrint, and Chinese then falls back to Japanese letterforms);
- a ``<title>`` and a ``<desc>`` saying what the chart shows, for screen readers;
- ids derived from the content: two different charts on one page never share an id, and
  the same data gives the same markup (pages may cache it).

Size it with CSS (``svg { max-width: 100%; height: auto; }``): it carries its own
``viewBox``.
"""

import hashlib
import io
import re
import statistics
import threading
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import matplotlib
import numpy as np
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext, pgettext
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.ticker import FuncFormatter, MaxNLocator

from core.reltime import elapsed
from core.text import join_list
from crisis.choices import WarningLevel

from .series import StageCycle, VolumeSeries

# The UI's colour tokens (static/css/tokens.css), one meaning per colour everywhere.
LEVEL_COLOURS = {  # --cd-level-<level>
    WarningLevel.BLUE: "#1c64d1",
    WarningLevel.YELLOW: "#e3b600",
    WarningLevel.ORANGE: "#e2620f",
    WarningLevel.RED: "#c8232c",
}
MENTIONS_COLOUR = "#1c64d1"  # --cd-chart-mentions (bars at .55, as --cd-chart-mentions-fill)
NEGATIVE_COLOUR = "#8a2c0d"  # --cd-chart-negative: a red-brown line, not a level's red
AXIS_COLOUR = "#49566c"  # --cd-chart-axis (AA on white)
INK = "#1d2433"  # statement markers and their labels
MEDIAN_COLOUR = "#0a5cb8"  # --tblr-primary: approval cycles are no warning level
LONGEST_COLOUR = "#9db9de"
BAND_OPACITY = 0.16

# The font family set on each chart, per language: the CJK face whose Han letterforms
# match the language first (Noto Sans CJK TC / SC, from fonts-noto-cjk), then the system
# fonts browsers have for it, as in tokens.css's --cd-font.
FONT_FAMILIES = {
    "en": ["Noto Sans", "Noto Sans CJK TC", "PingFang TC", "Microsoft JhengHei", "sans-serif"],
    "zh-hant": ["Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Microsoft JhengHei",
                "sans-serif"],
    "zh-hans": ["Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei",
                "sans-serif"],
}
LANGUAGE_TAGS = {"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}
# A day on the time axis (a Django date format): "Nov. 3", "11月3日".
DAY_FORMATS = {"en": "N j", "zh-hant": "n月j日", "zh-hans": "n月j日"}

WIDTH, HEIGHT = 720, 340  # SVG units (px at 100 %)
FONT_SIZE = 10.5
LABEL_WIDTH = 24  # a statement's label on its marker, at most (Latin letters)
STAGE_WIDTH = 26  # a stage's name beside its bars

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XLINK_HREF = f"{{{XLINK_NS}}}href"
URL_REF = re.compile(r"url\(#([^)]+)\)")

# matplotlib keeps its settings in one process-wide dict: charts are drawn one at a time.
_lock = threading.Lock()
_installed_families: set[str] | None = None


# --- Public ------------------------------------------------------------------------------

def volume_chart(series: VolumeSeries, *, width: int = WIDTH, height: int = HEIGHT) -> str:
    """Mentions per bucket (bars) and their negative share (a line, on a second axis), the
    warning levels in force as coloured background bands, and a marker at each published
    statement, in the active language and timezone."""
    title = gettext("Mention volume and negative share")
    if series.is_empty:
        return _message_svg(
            gettext("No mentions were recorded for this incident's watches."),
            title=title, width=width,
        )
    points = sorted(series.points, key=lambda p: p.at)
    markers = sorted(series.markers, key=lambda m: m.at)
    bucket = timedelta(minutes=series.bucket_minutes)
    start = min([points[0].at, *(m.at for m in markers)])
    end = max([points[-1].at + bucket, *(m.at for m in markers)])

    with _figure(width, height) as fig:
        left, right = 62 / width, 1 - 62 / width
        ax = fig.add_subplot()
        share_ax = ax.twinx()  # drawn over ax: the line and the labels over bands and bars
        x0, x1 = _num(start), _num(end)
        xs = mdates.date2num([_local(p.at) for p in points])
        ax.set_xlim(x0, x1)

        levels = []
        for band in sorted(series.bands, key=lambda b: b.start):
            level = WarningLevel(band.level)
            b0, b1 = max(_num(band.start), x0), min(_num(band.end), x1)
            if b1 <= b0:
                continue
            ax.axvspan(b0, b1, color=LEVEL_COLOURS[level], alpha=BAND_OPACITY, lw=0,
                       zorder=0)
            if level not in levels:
                levels.append(level)

        # The bars as one path (a rectangle per bucket): one SVG element instead of a group
        # per bar, and a tenth of the time ax.bar takes for 200 Rectangle artists.
        ax.add_patch(PathPatch(_bars(xs, [p.mentions for p in points], _days(bucket) * 0.85),
                               facecolor=MENTIONS_COLOUR, alpha=0.55, lw=0, zorder=2))
        peak = max(p.mentions for p in points)
        ax.set_ylim(0, max(peak, 1) * 1.05)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _count(v)))
        ax.set_ylabel(_per_bucket(series.bucket_minutes))

        middle = _days(bucket) / 2
        shares = [p.negative_share for p in points]
        share_ax.plot(xs + middle,
                      [float("nan") if s is None else s * 100 for s in shares],
                      color=NEGATIVE_COLOUR, lw=1.6, zorder=3)
        share_ax.set_ylim(0, 100)
        share_ax.set_yticks([0, 25, 50, 75, 100])
        share_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}%"))
        share_ax.set_ylabel(gettext("Negative share"))

        for marker in markers:
            ax.axvline(_num(marker.at), color=INK, lw=1, ls=(0, (4, 2)), zorder=4)
        for at, label in _marker_labels(markers, x0, x1, width * (right - left)):
            share_ax.annotate(
                label, xy=(_num(at), 1), xycoords=("data", "axes fraction"), xytext=(2, -3),
                textcoords="offset points", rotation=90, ha="left", va="top", color=INK,
                fontsize=FONT_SIZE - 1.5, zorder=5,
                bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})

        ticks, labels = _time_ticks(start, end)
        ax.set_xticks(ticks, labels)
        zone = timezone.get_current_timezone_name()
        ax.set_xlabel(gettext("Time (%(zone)s)") % {"zone": zone})
        for axis in (ax, share_ax):
            _tidy(axis)
        ax.set_title(title, loc="left", fontsize=FONT_SIZE + 2, color=INK)

        handles = [Patch(color=MENTIONS_COLOUR, alpha=0.55, lw=0, label=gettext("Mentions")),
                   Line2D([], [], color=NEGATIVE_COLOUR, lw=1.6,
                          label=gettext("Negative share"))]
        if markers:
            handles.append(Line2D([], [], color=INK, lw=1, ls=(0, (4, 2)),
                                  label=gettext("Statement published")))
        handles += [Patch(color=LEVEL_COLOURS[level], alpha=BAND_OPACITY * 2, lw=0,
                          label=gettext("Warning level: %(level)s") % {"level": level.label})
                    for level in sorted(levels, key=lambda lv: lv.rank)]
        rows = _legend(fig, handles, left=left, ncols=4)
        fig.subplots_adjust(left=left, right=right, top=1 - 34 / height,
                            bottom=(60 + 18 * rows) / height)
        svg = _render(fig)
    return _finish(svg, title=title, desc=_volume_description(points, series, markers, levels))


def approval_cycle_chart(cycles: list[StageCycle], *, width: int = WIDTH) -> str:
    """The median and the longest approval cycle of each stage (horizontal bars), in minutes
    or hours as fits the longest."""
    title = gettext("Approval cycle time per stage")
    decided = [c for c in cycles if c.minutes]
    if not decided:
        return _message_svg(
            gettext("No approval decisions were recorded for this incident's statements."),
            title=title, width=width,
        )
    longest = max(max(c.minutes) for c in decided)
    in_hours = longest >= 120
    scale = 60 if in_hours else 1
    rows = len(cycles)
    height = 100 + 40 * rows

    with _figure(width, height) as fig:
        left = 170 / width
        fig.subplots_adjust(left=left, right=1 - 90 / width, top=1 - 34 / height,
                            bottom=66 / height)
        ax = fig.add_subplot()
        ys = list(range(rows))
        bar = 0.36
        for y, cycle in zip(ys, cycles, strict=True):
            if not cycle.minutes:
                ax.annotate(gettext("No decided versions"), xy=(0, y), xytext=(4, 0),
                            textcoords="offset points", va="center", color=AXIS_COLOUR,
                            fontsize=FONT_SIZE - 1)
                continue
            median, most = statistics.median(cycle.minutes), max(cycle.minutes)
            for value, offset, colour in ((median, -bar / 2, MEDIAN_COLOUR),
                                          (most, bar / 2, LONGEST_COLOUR)):
                ax.barh(y + offset, value / scale, height=bar, color=colour, lw=0)
                ax.annotate(elapsed(round(value)), xy=(value / scale, y + offset),
                            xytext=(4, 0), textcoords="offset points", va="center",
                            color=INK, fontsize=FONT_SIZE - 1.5)
        ax.set_yticks(ys, [_short(c.stage, STAGE_WIDTH) for c in cycles])
        ax.set_ylim(rows - 0.5, -0.5)  # the first stage on top
        ax.set_xlim(0, longest / scale * 1.02)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _count(v)))
        ax.set_xlabel(gettext("Hours") if in_hours else gettext("Minutes"))
        _tidy(ax, spines=("top", "right"))
        ax.tick_params(axis="y", length=0)
        ax.set_title(title, loc="left", fontsize=FONT_SIZE + 2, color=INK)
        _legend(fig, [Patch(color=MEDIAN_COLOUR, lw=0, label=gettext("Median")),
                      Patch(color=LONGEST_COLOUR, lw=0, label=gettext("Longest"))],
                left=left, ncols=2)
        svg = _render(fig)
    return _finish(svg, title=title, desc=_cycle_description(cycles))


# --- Drawing -----------------------------------------------------------------------------

@contextmanager
def _figure(width: int, height: int):
    """A figure of ``width`` x ``height`` SVG units in the active language's fonts, drawn
    under the lock (matplotlib's settings are process-wide)."""
    with _lock, matplotlib.rc_context({
        "svg.fonttype": "none",  # text stays text, in the family set on the <svg>
        "svg.hashsalt": "crisisdesk",  # the same ids for the same chart
        "text.parse_math": False,  # "$5 refund" is a title, not TeX
        "font.family": "sans-serif",
        "font.sans-serif": _measured_families(),
        "font.size": FONT_SIZE,
        "axes.edgecolor": AXIS_COLOUR,
        "axes.labelcolor": AXIS_COLOUR,
        "xtick.color": AXIS_COLOUR,
        "ytick.color": AXIS_COLOUR,
        "legend.labelcolor": INK,
    }):
        yield Figure(figsize=(width / 72, height / 72), dpi=72)


def _render(fig: Figure) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _bars(xs, heights, width: float) -> Path:
    """Bars of ``width`` from each x (left edge) up to its height, as one compound path."""
    x = np.asarray(xs, dtype=float)[:, None]
    h = np.asarray(heights, dtype=float)[:, None]
    zero = np.zeros_like(h)
    corners = np.stack([np.hstack([x, zero]), np.hstack([x, h]), np.hstack([x + width, h]),
                        np.hstack([x + width, zero]), np.hstack([x, zero])], axis=1)
    codes = np.tile([Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY],
                    len(x))
    return Path(corners.reshape(-1, 2), codes)


def _legend(fig: Figure, handles: list, *, left: float, ncols: int) -> int:
    """The legend under the chart, read row by row (matplotlib fills it column by column);
    returns its number of rows."""
    ncols = min(ncols, len(handles))
    by_column = [handles[i] for column in range(ncols)
                 for i in range(column, len(handles), ncols)]
    fig.legend(handles=by_column, loc="lower left", bbox_to_anchor=(left - 0.01, 0),
               ncols=ncols, frameon=False, fontsize=FONT_SIZE - 0.5, handlelength=1.6,
               columnspacing=1.4)
    return -(-len(handles) // ncols)


def _tidy(ax, *, spines=("top",)) -> None:
    for side in spines:
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT_SIZE - 1)


def _message_svg(message: str, *, title: str, width: int) -> str:
    """A small chart-sized note where there is nothing to draw."""
    height = 64
    with _figure(width, height) as fig:
        fig.text(0.5, 0.5, message, ha="center", va="center", color=AXIS_COLOUR,
                 fontsize=FONT_SIZE + 1)
        svg = _render(fig)
    return _finish(svg, title=title, desc=message)


def _marker_labels(markers, x0: float, x1: float, plot_width: float):
    """(time, label) for the markers that get a label: one close behind another shares the
    first one's label ("Holding statement (+1)"), so labels never overlap."""
    gap = (x1 - x0) * (FONT_SIZE + 4) / plot_width  # one rotated label's width, in days
    groups: list[list] = []
    for marker in markers:
        if groups and _num(marker.at) - _num(groups[-1][0].at) < gap:
            groups[-1].append(marker)
        else:
            groups.append([marker])
    for group in groups:
        label = _short(group[0].label, LABEL_WIDTH)
        if len(group) > 1:
            label = ngettext("%(label)s (+%(count)s more)", "%(label)s (+%(count)s more)",
                             len(group) - 1) % {"label": label, "count": len(group) - 1}
        yield group[0].at, label


def _time_ticks(start: datetime, end: datetime) -> tuple[list[float], list[str]]:
    """Ticks on the time axis and their labels: the time of day, with the day where it
    changes (or days alone when the ticks are days apart)."""
    lo, hi = _local(start), _local(end)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    values = [v for v in locator.tick_values(lo, hi) if _num(lo) <= v <= _num(hi)]
    ticks = [mdates.num2date(v).replace(tzinfo=None) for v in values]
    daily = len(ticks) > 1 and (ticks[1] - ticks[0]) >= timedelta(days=1)
    labels, previous = [], None
    for tick in ticks:
        if daily:
            labels.append(_day(tick))
        elif previous is None or previous.date() != tick.date():
            labels.append(f"{_day(tick)}\n{tick:%H:%M}")
        else:
            labels.append(f"{tick:%H:%M}")
        previous = tick
    return values, labels


# --- Words -------------------------------------------------------------------------------

def _volume_description(points, series: VolumeSeries, markers, levels) -> str:
    total = sum(p.mentions for p in points)
    peak = max(points, key=lambda p: (p.mentions, -_num(p.at)))
    parts = [gettext("%(total)s mentions from %(start)s to %(end)s; the most in one bucket: "
                     "%(peak)s at %(peak_at)s.") % {
        "total": _count(total), "start": _when(points[0].at),
        "end": _when(points[-1].at + timedelta(minutes=series.bucket_minutes)),
        "peak": _count(peak.mentions), "peak_at": _when(peak.at)}]
    shares = [(p.negative_share, p.at) for p in points if p.negative_share is not None]
    if shares:
        share, at = max(shares, key=lambda s: (s[0], -_num(s[1])))
        parts.append(gettext("Highest negative share: %(share)s%% at %(at)s.")
                     % {"share": f"{share * 100:.0f}", "at": _when(at)})
    if series.bands:
        bands = join_list(
            gettext("%(level)s from %(start)s") % {"level": WarningLevel(b.level).label,
                                                  "start": _when(b.start)}
            for b in sorted(series.bands, key=lambda b: b.start))
        parts.append(gettext("Warning levels: %(bands)s.") % {"bands": bands})
    if markers:
        statements = join_list(
            # Translators: a statement in a chart's description and when it was published,
            # as in "Holding statement (10:42)"; Chinese: full-width brackets "（）".
            pgettext("statement and time", "%(statement)s (%(at)s)")
            % {"statement": m.label, "at": _when(m.at)} for m in markers)
        parts.append(gettext("Statements published: %(statements)s.")
                     % {"statements": statements})
    return " ".join(parts)


def _cycle_description(cycles: list[StageCycle]) -> str:
    parts = []
    for cycle in cycles:
        if cycle.minutes:
            count = len(cycle.minutes)
            parts.append(ngettext(
                "%(stage)s: median %(median)s, longest %(longest)s (%(count)s decision).",
                "%(stage)s: median %(median)s, longest %(longest)s (%(count)s decisions).",
                count,
            ) % {"stage": cycle.stage, "median": elapsed(round(statistics.median(cycle.minutes))),
                 "longest": elapsed(round(max(cycle.minutes))), "count": count})
        else:
            parts.append(gettext("%(stage)s: no decided versions.") % {"stage": cycle.stage})
    return " ".join(parts)


def _per_bucket(minutes: int) -> str:
    if minutes == 60:
        return gettext("Mentions per hour")
    if minutes == 1440:
        return gettext("Mentions per day")
    return ngettext("Mentions per %(minutes)s minute", "Mentions per %(minutes)s minutes",
                    minutes) % {"minutes": minutes}


def _language() -> str:
    language = (translation.get_language() or "en").lower()
    if language.startswith(("zh-hant", "zh-tw", "zh-hk", "zh-mo")):
        return "zh-hant"
    if language.startswith("zh"):
        return "zh-hans"
    return "en"


def _day(value: datetime) -> str:
    return formats.date_format(value, DAY_FORMATS[_language()])


def _when(value: datetime) -> str:
    local = _local(value)
    return f"{_day(local)} {local:%H:%M}"


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _short(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` (a Chinese character counts two: it is about
    twice as wide as a Latin letter)."""
    text = " ".join(text.split())
    used = 0
    for index, character in enumerate(text):
        used += 2 if unicodedata.east_asian_width(character) in "WF" else 1
        if used > width:
            return text[:index].rstrip() + "…"
    return text


# --- Time --------------------------------------------------------------------------------

def _local(value: datetime) -> datetime:
    """``value`` in the active timezone, naive (matplotlib draws naive times as they are)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _num(value: datetime) -> float:
    return float(mdates.date2num(_local(value)))


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86400


# --- Fonts -------------------------------------------------------------------------------

def _families() -> list[str]:
    return FONT_FAMILIES[_language()]


def _measured_families() -> list[str]:
    """The fonts matplotlib measures the labels with (for the legend's and the labels' boxes):
    the installed faces of the language's family (asking for others logs a warning per
    label), Latin before CJK in English. DejaVu Sans, matplotlib's own, stands in for a
    missing Latin face, as fontconfig does on Debian (WeasyPrint draws "Noto Sans" with it
    where Noto Sans is not installed)."""
    global _installed_families
    if _installed_families is None:
        _installed_families = {font.name for font in font_manager.fontManager.ttflist}
    installed = [family for family in _families() if family in _installed_families]
    cjk = [family for family in installed if "CJK" in family]
    if _language() == "en":
        return [*(f for f in installed if f not in cjk), "DejaVu Sans", *cjk]
    return [*installed, "DejaVu Sans"]


def _font_attribute(families: list[str]) -> str:
    generic = {"serif", "sans-serif", "monospace"}
    return ", ".join(f if f in generic else f'"{f}"' for f in families)


# --- The markup --------------------------------------------------------------------------

def _finish(svg: str, *, title: str, desc: str) -> str:
    """matplotlib's SVG made safe and self-contained for a page under a strict CSP and for
    WeasyPrint: styles become presentation attributes, the font family goes on the <svg>,
    metadata and unused ids go, the ids that stay get a prefix from the content, and a
    <title> and <desc> come first."""
    prefix = "cd" + hashlib.sha256(
        (svg + title + desc).encode()).hexdigest()[:10]
    root = ET.fromstring(svg)  # noqa: S314  (matplotlib's own output, no entities)
    dropped = [(parent, child) for parent in root.iter() for child in parent
               if child.tag in (f"{{{SVG_NS}}}metadata", f"{{{SVG_NS}}}style")]
    for parent, child in dropped:
        parent.remove(child)
    referenced: dict[str, str] = {}
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                name, _, value = declaration.partition(":")
                name, value = name.strip(), value.strip()
                if name and name != "font-family":
                    element.set(name, value)
        for name, value in element.attrib.items():
            targets = URL_REF.findall(value)
            if name == XLINK_HREF and value.startswith("#"):
                targets.append(value[1:])
            for target in targets:
                referenced.setdefault(target, f"{prefix}-{len(referenced) + 1}")
    for element in root.iter():
        if "id" in element.attrib:
            old = element.attrib.pop("id")
            if old in referenced:
                element.set("id", referenced[old])
        for name, value in list(element.attrib.items()):
            if name == XLINK_HREF:  # SVG 2's plain href: no second namespace to declare
                del element.attrib[name]
                element.set("href", "#" + referenced[value[1:]])
            elif "url(#" in value:
                element.set(name, URL_REF.sub(lambda m: f"url(#{referenced[m[1]]})", value))
    for defs in root.findall(f"{{{SVG_NS}}}defs"):
        if not len(defs):
            root.remove(defs)

    view_box = root.get("viewBox", "").split()
    attributes = {
        "xmlns": SVG_NS,
        "viewBox": root.get("viewBox"),
        "width": _trim(view_box[2]) if len(view_box) == 4 else root.get("width"),
        "height": _trim(view_box[3]) if len(view_box) == 4 else root.get("height"),
        "role": "img",
        "aria-labelledby": f"{prefix}-title",
        "aria-describedby": f"{prefix}-desc",
        "font-family": _font_attribute(_families()),
        "stroke-linejoin": "round",  # matplotlib's <style>, as attributes
        "stroke-linecap": "butt",
        "class": "cd-chart-svg",
        "lang": LANGUAGE_TAGS[_language()],
    }
    root.attrib.clear()
    root.attrib.update(attributes)
    title_element = ET.Element(f"{{{SVG_NS}}}title", id=f"{prefix}-title")
    title_element.text = title
    desc_element = ET.Element(f"{{{SVG_NS}}}desc", id=f"{prefix}-desc")
    desc_element.text = desc
    root.insert(0, desc_element)
    root.insert(0, title_element)
    # The namespace as a plain xmlns attribute, tags without it: ElementTree's prefixes are
    # global and WeasyPrint rewrites them when it loads (the markup became <ns0:svg>, which
    # neither a browser nor WeasyPrint draws as SVG).
    for element in root.iter():
        element.tag = element.tag.removeprefix(f"{{{SVG_NS}}}")
    ET.indent(root, space="")
    return ET.tostring(root, encoding="unicode")


def _trim(number: str) -> str:
    return f"{float(number):g}"
