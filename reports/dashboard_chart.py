"""The executive dashboard's trend chart: incidents per month and the monthly median of
each key metric, as small multiples (one panel per figure, each on its own scale: minutes
to detect and days to recover do not share an axis). Drawn by matplotlib's SVG backend
through ``reports.charts``' figure, so the markup has the same guarantees (no script, no
style, the language's font family on the ``<svg>``, a title and a description) and goes
inline into the page and the PDF alike. The trend table beside it carries the numbers."""

import hashlib
from datetime import date

from django.core.cache import cache
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext, pgettext
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .charts import (
    AXIS_COLOUR,
    FONT_SIZE,
    INK,
    MEDIAN_COLOUR,
    _figure,
    _finish,
    _language,
    _render,
    _tidy,
)
from .dashboard import Dashboard

COLUMNS = 3  # a phone gets one column, drawn narrow (``width=NARROW, columns=1``)
PANEL_HEIGHT = 150
TOP = 58  # the chart's title above the first row's panel titles
WIDTH, NARROW = 720, 360
MONTH_FORMATS = {"en": "M", "zh-hant": "n月", "zh-hans": "n月"}
# A panel's unit: the largest median decides (seconds below two minutes, minutes below two
# hours, hours below two days, then days).
UNITS = ((120, 1), (2 * 3600, 60), (2 * 86400, 3600), (None, 86400))
# Drawing takes 0.3-1.2 s (six panels of ticks and labels, measured on the shared 2-core
# machine): the same figures in the same language give the same markup, kept a day.
CACHE_SECONDS = 24 * 3600


def _unit(seconds: float) -> tuple[int, str]:
    size = next(size for below, size in UNITS if below is None or seconds < below)
    label = {1: gettext("seconds"), 60: gettext("minutes"), 3600: gettext("hours"),
             86400: gettext("days")}[size]
    return size, label


def _month_label(month: date, first: bool) -> str:
    label = formats.date_format(month, MONTH_FORMATS[_language()])
    return f"{label}\n{month.year}" if first or month.month == 1 else label


def trend_chart(dashboard: Dashboard, *, width: int = WIDTH, columns: int = COLUMNS) -> str:
    """Incidents per month (bars), then one panel per key metric: its monthly median
    (a line with a dot per month that has one; a gap where no incident had it)."""
    drawn = "|".join([
        _language(), timezone.get_current_timezone_name(), str(width), str(columns),
        *(f"{m.key}:{m.label}" for m in dashboard.metrics),
        *(f"{month.month}:{month.incidents}:"
          + ",".join(str(median.seconds) for _metric, median in month.cells)
          for month in dashboard.months),
        *(f"{metric.key}={median.seconds}" for metric, median in dashboard.overall_cells),
        str(dashboard.total)])
    key = "reports:dashboard:chart:v1:" + hashlib.sha256(drawn.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = _draw(dashboard, width=width, columns=columns)
        cache.set(key, svg, CACHE_SECONDS)
    return svg


def _draw(dashboard: Dashboard, *, width: int, columns: int) -> str:
    title = gettext("Incidents and key metrics by month")
    months = dashboard.months
    panels = 1 + len(dashboard.metrics)
    rows = -(-panels // columns)
    height = TOP + rows * PANEL_HEIGHT
    xs = list(range(len(months)))
    step = max(1, -(-len(months) // 6))  # at most six month labels a panel
    ticks = xs[::step]
    labels = [_month_label(months[i].month, i == 0) for i in ticks]

    with _figure(width, height) as fig:
        axes = fig.subplots(rows, columns, squeeze=False)
        fig.subplots_adjust(left=44 / width, right=1 - 8 / width, top=1 - TOP / height,
                            bottom=34 / height, wspace=0.32, hspace=0.75)
        flat = [ax for row in axes for ax in row]
        counts = flat[0]
        counts.bar(xs, [m.incidents for m in months], color=AXIS_COLOUR, width=0.7, lw=0)
        counts.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        counts.set_ylim(0, max([m.incidents for m in months] + [1]) * 1.15)
        counts.set_title(gettext("Incidents"), loc="left", fontsize=FONT_SIZE, color=INK)
        for ax, metric in zip(flat[1:], dashboard.metrics, strict=False):
            values = [month.medians[metric.key].seconds for month in months]
            known = [v for v in values if v is not None]
            size, unit = _unit(max(known) if known else 0)
            ax.plot(xs, [float("nan") if v is None else v / size for v in values],
                    color=MEDIAN_COLOUR, lw=1.6, marker="o", markersize=3.5)
            ax.set_ylim(0, (max(known) / size if known else 1) * 1.2 or 1)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
            ax.set_title(
                # Translators: a dashboard chart's title, as in "Time to first statement
                # (hours)"; Chinese: full-width brackets "（）".
                pgettext("metric and unit", "%(metric)s (%(unit)s)")
                % {"metric": metric.label, "unit": unit}, loc="left", fontsize=FONT_SIZE, color=INK)
            if not known:
                ax.text(0.5, 0.5, gettext("Not measured"), transform=ax.transAxes,
                        ha="center", va="center", color=AXIS_COLOUR, fontsize=FONT_SIZE - 1)
        for ax in flat[:panels]:
            ax.set_xlim(-0.6, len(months) - 0.4)
            ax.set_xticks(ticks, labels)
            _tidy(ax)
            ax.spines["right"].set_visible(False)
            ax.tick_params(labelsize=FONT_SIZE - 2)
        for ax in flat[panels:]:
            ax.set_visible(False)
        fig.suptitle(title, x=0.01, ha="left", fontsize=FONT_SIZE + 2, color=INK)
        svg = _render(fig)
    return _finish(svg, title=title, desc=_description(dashboard))


def _description(dashboard: Dashboard) -> str:
    """What the chart shows, in words (its <desc>, for screen readers)."""
    parts = [ngettext("%(n)d incident over %(months)d months.",
                      "%(n)d incidents over %(months)d months.", dashboard.total)
             % {"n": dashboard.total, "months": len(dashboard.months)}]
    for metric, median in dashboard.overall_cells:
        if median.seconds is not None:
            parts.append(gettext("%(metric)s: median %(value)s.")
                         % {"metric": metric.label, "value": median.display})
    parts.append(gettext("The table below gives each month's figures."))
    return " ".join(parts)
