"""The executive dashboard's numbers (``/reports/``, its PDF and ``GET /api/metrics/``).

Incidents *detected* in a period (dates in the reader's time zone, both ends included)
that the reader may view (``crisis.selectors``: the one confidentiality rule), drills left
out unless asked for, merged duplicates left out (their timeline lives on in the incident
they were merged into): how many, by type, severity and peak warning level; the monthly
median of the key response metrics; and the open action items, overdue first.

The metrics of an incident come from its review's latest signed-off version, frozen there
at sign-off (``ReviewVersion.metrics``), and otherwise from ``reports.metrics``, computed
from the record, which takes long enough for hundreds of incidents (below) that the work
is bounded:

- A computed result is kept in the cache under the incident's last change (a week for a
  closed incident, whose metrics end at its closing; ``OPEN_CACHE_SECONDS`` for an open
  one, whose figures still move).
- A page or an API call computes the incidents that are not in the cache, newest first,
  for at most ``COMPUTE_BUDGET_SECONDS``; the others are left out of the medians *and said
  to be* (``Dashboard.metrics_pending``) until a later request has computed them. The PDF,
  a document people keep, computes them all.

Measured on 300 incidents over eleven months, 100 of them signed off, the shared 2-core
machine at a load of 8-13 (2026-11-27, SQLite): every metric in the cache, 0.3 s and 8
queries; a cold cache, 0.7-0.9 s a request (the half second of computing, 12-15 incidents
at this load, then the rest), the page asking again until all are in; all 200 computed at
once, as the PDF does, 7-13 s. One ``compute_metrics`` is 7 queries and 20-60 ms at that
load, about half of it for metrics the trend does not show (assembly, deliveries, tasks,
levels).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import monotonic

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crisis.choices import Confidentiality, Severity, TimelineKind, WarningLevel
from crisis.models import Incident, IncidentType, TimelineEntry
from crisis.permissions import is_active

from .metrics import (
    JSON_FORMAT,
    build_metric,
    compute_metrics,
    format_duration,
    metrics_from_json,
)
from .models import UNFINISHED_ACTION_ITEM_STATUSES, ReviewVersion
from .selectors import action_items_visible

VIEW_DASHBOARD = "reports.view_dashboard"

# The period: the last DEFAULT_MONTHS calendar months (this one included) unless chosen;
# at most MAX_MONTHS months, so the monthly trend stays a table one can read.
DEFAULT_MONTHS = 12
MAX_MONTHS = 36
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)
# What the page and the PDF list (the counts and medians always cover every incident).
LISTED_INCIDENTS = 100
LISTED_ACTION_ITEMS = 50
COMPUTE_BUDGET_SECONDS = 0.5
CLOSED_CACHE_SECONDS = 7 * 24 * 3600
OPEN_CACHE_SECONDS = 15 * 60

# The key metrics whose monthly median the dashboard follows (``reports.metrics`` keys).
TREND_METRICS = ("time_to_detect", "time_to_acknowledge", "time_to_first_statement",
                 "approval_cycle", "sentiment_recovery")

# What the dashboard reads of an incident (its JSON lists and summary stay in the database).
INCIDENT_FIELDS = ("title", "type", "severity", "confidentiality", "is_drill", "warning_level",
                   "status", "detected_at", "created_at", "closed_at", "updated_at",
                   "merged_into", "review__id", "review__incident")

TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def can_view_dashboard(user) -> bool:
    """Executives, crisis managers, auditors and administrators (``VIEW_DASHBOARD``,
    granted to their capability groups by reports' migration 0002)."""
    return is_active(user) and user.has_perm(VIEW_DASHBOARD)


# --- the period ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: date  # first day, included
    end: date  # last day, included
    drills: bool = False  # drills counted too

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes in the active time zone: [start, end)."""
        return (timezone.make_aware(datetime.combine(self.start, time.min)),
                timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min)))

    def months(self) -> list[date]:
        """The first day of each calendar month the period touches, in order."""
        month, last, months = self.start.replace(day=1), self.end.replace(day=1), []
        while month <= last:
            months.append(month)
            month = _next_month(month)
        return months

    def query(self) -> dict[str, str]:
        """The period as the query string that chose it (links to the PDF and the API)."""
        chosen = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        return {**chosen, "drills": "1"} if self.drills else chosen


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months_back(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def default_period(*, today: date | None = None) -> Period:
    """The last ``DEFAULT_MONTHS`` calendar months, this one included, up to today."""
    today = today or timezone.localdate()
    return Period(start=_months_back(today.replace(day=1), DEFAULT_MONTHS - 1), end=today)


def _date(params: Mapping, name: str, errors: dict) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD (for example 2026-01-31).")]
        return None
    if not EARLIEST <= value <= LATEST:
        errors[name] = [_("Enter a date from %(earliest)s to %(latest)s.")
                        % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}]
        return None
    return value


def period_from(params: Mapping, *, today: date | None = None) -> Period:
    """The period a query asks for (``from``, ``to`` as YYYY-MM-DD, ``drills`` as 1/0),
    with the defaults for what it leaves out. ``ValidationError`` naming each field that
    cannot be read, or ``from`` when it comes after ``to`` or the period is too long."""
    errors: dict[str, list] = {}
    start, end = _date(params, "from", errors), _date(params, "to", errors)
    drills_raw = str(params.get("drills") or "").strip().lower()
    if drills_raw not in TRUE_WORDS + FALSE_WORDS:
        errors["drills"] = [_("Use 1 to count drills or 0 to leave them out.")]
    if errors:
        raise ValidationError(errors)
    fallback = default_period(today=today)
    if start is None and end is None:
        start, end = fallback.start, fallback.end
    elif start is None:
        start = _months_back(end.replace(day=1), DEFAULT_MONTHS - 1)
    elif end is None:
        end = max(fallback.end, start)
    if start > end:
        raise ValidationError({"from": [
            _("The period starts (%(start)s) after it ends (%(end)s): choose a start on or "
              "before the end.") % {"start": start.isoformat(), "end": end.isoformat()}]})
    if start < _months_back(end.replace(day=1), MAX_MONTHS - 1):
        raise ValidationError({"from": [
            _("A period covers at most %(months)d months: choose a later start or an "
              "earlier end.") % {"months": MAX_MONTHS}]})
    return Period(start=start, end=end, drills=drills_raw in TRUE_WORDS)


# --- what the dashboard shows ----------------------------------------------------------------

@dataclass(frozen=True)
class Count:
    code: str  # the type's code, the severity, the level ("" : none)
    label: str
    count: int
    share: float  # of the period's incidents, 0..1 (the bar beside the number)


@dataclass(frozen=True)
class Median:
    seconds: float | None  # None: no incident of the month had this metric
    measured: int  # incidents it was computed from

    @property
    def display(self) -> str:
        return format_duration(self.seconds)


@dataclass(frozen=True)
class MetricInfo:
    key: str
    label: str
    definition: str


@dataclass(frozen=True)
class Month:
    month: date  # its first day
    incidents: int
    cells: list[tuple[MetricInfo, Median]]  # in the dashboard's order of metrics

    @property
    def medians(self) -> dict[str, Median]:
        return {metric.key: median for metric, median in self.cells}


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    peak_level: str
    review_state: str  # "signed_off", "draft", "" (no review yet)

    @property
    def peak_level_label(self) -> str:
        return str(WarningLevel(self.peak_level).label) if self.peak_level else ""


@dataclass
class Dashboard:
    period: Period
    total: int
    drills_left_out: int
    by_type: list[Count]
    by_severity: list[Count]
    by_peak_level: list[Count]
    metrics: list[MetricInfo]
    overall_cells: list[tuple[MetricInfo, Median]]
    months: list[Month]
    incidents: list[IncidentRow]
    # Incidents whose metrics were not computed yet (left out of the medians).
    metrics_pending: int = 0
    action_items: list = field(default_factory=list)
    action_items_open: int = 0
    action_items_overdue: int = 0
    # The highest confidentiality of the incidents it counts or names (the PDF's marking).
    marking: str = Confidentiality.INTERNAL

    @property
    def incidents_not_listed(self) -> int:
        return self.total - len(self.incidents)

    @property
    def action_items_not_listed(self) -> int:
        return self.action_items_open - len(self.action_items)

    def as_json(self) -> dict:
        """The numbers as ``GET /api/metrics/`` answers them (``DashboardSerializer``)."""
        def median(value: Median) -> dict:
            return {"median_seconds": value.seconds, "measured": value.measured,
                    "display": value.display}

        def counts(rows: list[Count], name: str) -> list[dict]:
            return [{name: row.code, "label": row.label, "count": row.count} for row in rows]

        return {
            "from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
            "drills": self.period.drills,
            "incidents": self.total, "drills_left_out": self.drills_left_out,
            "metrics_pending": self.metrics_pending,
            "by_type": counts(self.by_type, "type"),
            "by_severity": counts(self.by_severity, "severity"),
            "by_peak_level": counts(self.by_peak_level, "level"),
            "metrics": [{"key": m.key, "label": m.label, "definition": m.definition,
                         **median(value)} for m, value in self.overall_cells],
            "months": [{"month": month.month.strftime("%Y-%m"), "incidents": month.incidents,
                        "metrics": {key: median(value) for key, value in month.medians.items()}}
                       for month in self.months],
            "incident_list": [{
                "id": row.incident.pk, "reference": row.incident.reference,
                "title": row.incident.title, "type": row.incident.type.code,
                "severity": row.incident.severity, "peak_level": row.peak_level,
                "status": row.incident.status, "is_drill": row.incident.is_drill,
                "detected_at": row.incident.detected_at, "review": row.review_state or None,
            } for row in self.incidents],
            "incidents_not_listed": self.incidents_not_listed,
            "action_items": {
                "open": self.action_items_open, "overdue": self.action_items_overdue,
                "items": [{
                    "id": item.pk, "title": item.title, "incident": item.review.incident_id,
                    "reference": item.review.incident.reference, "owner": str(item.owner),
                    "due_on": item.due_on, "status": item.status, "overdue": item.is_overdue,
                } for item in self.action_items],
            },
        }


# --- building it -----------------------------------------------------------------------------

def dashboard_build(*, user, period: Period, complete: bool = False) -> Dashboard:
    """Everything the dashboard shows ``user`` for ``period``: only incidents ``user`` may
    view. A fixed number of queries, plus 7 for each incident whose review is not signed
    off and whose computed metrics are not in the cache, computed for at most
    ``COMPUTE_BUDGET_SECONDS`` (at least one), or all of them when ``complete``."""
    start, end = period.bounds()
    in_period = (Incident.objects.visible_to(user)
                 .filter(detected_at__gte=start, detected_at__lt=end, merged_into__isnull=True))
    drills_left_out = 0 if period.drills else in_period.filter(is_drill=True).count()
    if not period.drills:
        in_period = in_period.filter(is_drill=False)
    incidents = list(in_period.select_related("type", "review")
                     .only(*INCIDENT_FIELDS).order_by("-detected_at", "-pk"))
    total = len(incidents)
    peaks = _peak_levels(incidents)
    values, signed_off, pending = _trend_values(
        incidents, budget=None if complete else COMPUTE_BUDGET_SECONDS)

    def share(count: int) -> float:
        return count / total if total else 0.0

    type_counts = Counter(incident.type_id for incident in incidents)
    types = IncidentType.objects.filter(pk__in=type_counts)  # in the admin's order
    by_type = [Count(t.code, str(t), type_counts[t.pk], share(type_counts[t.pk])) for t in types]
    severity_counts = Counter(incident.severity for incident in incidents)
    by_severity = [Count(s.value, str(s.label), severity_counts[s.value],
                         share(severity_counts[s.value])) for s in reversed(Severity)]
    level_counts = Counter(peaks.values())
    by_peak_level = [Count(level.value, str(level.label), level_counts[level.value],
                           share(level_counts[level.value])) for level in reversed(WarningLevel)]
    by_peak_level.append(Count("", gettext("No warning level"), level_counts[""],
                               share(level_counts[""])))

    by_month: dict[date, list[Incident]] = defaultdict(list)
    for incident in incidents:
        by_month[timezone.localtime(incident.detected_at).date().replace(day=1)].append(incident)
    metrics = trend_metric_info()

    def medians(of: list[Incident]) -> list[tuple[MetricInfo, Median]]:
        return [(metric, _median([values[i.pk].get(metric.key) for i in of]))
                for metric in metrics]

    months = [Month(month, len(by_month[month]), medians(by_month[month]))
              for month in period.months()]

    items = _open_action_items(user=user, drills=period.drills)
    listed_items = list(items[:LISTED_ACTION_ITEMS])
    rows = [IncidentRow(incident, peaks[incident.pk], _review_state(incident, signed_off))
            for incident in incidents[:LISTED_INCIDENTS]]
    named = incidents + [item.review.incident for item in listed_items]
    return Dashboard(
        period=period, total=total, drills_left_out=drills_left_out, by_type=by_type,
        by_severity=by_severity, by_peak_level=by_peak_level, metrics=metrics,
        overall_cells=medians(incidents), months=months, incidents=rows,
        metrics_pending=pending,
        action_items=listed_items, action_items_open=items.count(),
        action_items_overdue=items.filter(due_on__lt=timezone.localdate()).count(),
        marking=max((Confidentiality(i.confidentiality) for i in named),
                    key=lambda level: level.rank, default=Confidentiality.INTERNAL),
    )


def _median(values: list) -> Median:
    measured = [value for value in values if value is not None]
    return Median(statistics.median(measured) if measured else None, len(measured))


def _review_state(incident: Incident, signed_off: set[int]) -> str:
    if incident.pk in signed_off:
        return "signed_off"
    try:
        incident.review  # noqa: B018 (joined: no query)
    except Incident.review.RelatedObjectDoesNotExist:
        return ""
    return "draft"


def _peak_levels(incidents: list[Incident]) -> dict[int, str]:
    """The highest warning level each incident reached: its level now, the level it was
    opened with and every level an escalation set, as the timeline records them (the
    record ``reports.metrics.level_history`` reads for one incident; one query for all)."""
    rank = {level.value: level.rank for level in WarningLevel}
    peaks = {incident.pk: incident.warning_level or "" for incident in incidents}
    entries = (TimelineEntry.objects
               .filter(incident__in=[incident.pk for incident in incidents],
                       kind__in=[TimelineKind.CREATED, TimelineKind.ESCALATION])
               .filter(Q(data__has_key="warning_level"))
               .values_list("incident_id", "data"))
    for incident_id, data in entries.iterator():
        reached = data.get("warning_level")
        for level in reached if isinstance(reached, list) else [reached]:
            if rank.get(level, 0) > rank.get(peaks[incident_id], 0):
                peaks[incident_id] = level
    return peaks


def trend_metric_info() -> list[MetricInfo]:
    """Label and definition of each trend metric, in the active language."""
    return [MetricInfo(key, metric.label, metric.definition)
            for key in TREND_METRICS for metric in [build_metric(key, None)]]


def _seconds(metrics) -> dict[str, float | None]:
    return {metric.key: (float(metric.value) if metric.value is not None else None)
            for metric in metrics if metric.key in TREND_METRICS}


def _frozen_seconds(data: dict) -> dict[str, float | None]:
    """The trend metrics' numbers as ``metrics_as_json`` froze them, read without putting
    every metric's words back (``metrics_from_json`` writes them all: 5 ms a version)."""
    if (data or {}).get("format") != JSON_FORMAT:
        return _seconds(metrics_from_json(data or {}))
    return {item["key"]: (float(item["value"]) if item.get("value") is not None else None)
            for item in data.get("metrics", []) if item.get("key") in TREND_METRICS}


def _trend_values(incidents: list[Incident], *, budget: float | None
                  ) -> tuple[dict[int, dict], set[int], int]:
    """Each incident's trend metrics (``{}`` while pending), which incidents they were
    frozen for, and how many are pending: the latest signed-off version of the incident's
    review holds them, else the cache, else they are computed from the record, newest
    first (``incidents`` come newest first) until ``budget`` seconds have passed."""
    values: dict[int, dict] = {}
    frozen = (ReviewVersion.objects
              .filter(review__incident__in=[incident.pk for incident in incidents],
                      signed_off_at__isnull=False)
              .order_by("review__incident_id", "-number")
              .values_list("review__incident_id", "metrics"))
    for incident_id, data in frozen.iterator():
        if incident_id not in values:
            values[incident_id] = _frozen_seconds(data)
    signed_off = set(values)
    missing = [incident for incident in incidents if incident.pk not in values]
    keys = {incident.pk: _cache_key(incident) for incident in missing}
    cached = cache.get_many(list(keys.values()))
    deadline = None if budget is None else monotonic() + budget
    spent, pending = False, 0
    for incident in missing:
        found = cached.get(keys[incident.pk])
        if found is None and not spent:
            found = _seconds(compute_metrics(incident))
            cache.set(keys[incident.pk], found, CLOSED_CACHE_SECONDS if incident.closed_at
                      else OPEN_CACHE_SECONDS)
            spent = deadline is not None and monotonic() >= deadline
        elif found is None:
            found, pending = {}, pending + 1  # the budget is spent: left for a later request
        values[incident.pk] = found
    return values, signed_off, pending


def _cache_key(incident: Incident) -> str:
    """Under the incident's last change: reopening, closing or reclassifying it computes
    its metrics again."""
    changed = incident.updated_at.timestamp()
    closed = incident.closed_at.timestamp() if incident.closed_at else 0
    return f"reports:dashboard:metrics:v1:{incident.pk}:{changed}:{closed}"


def _open_action_items(*, user, drills: bool):
    """Open action items of every incident ``user`` may view, whatever the period: the
    follow-ups still to do. Overdue ones come first (the earliest due date first)."""
    items = (action_items_visible(user=user)
             .filter(status__in=UNFINISHED_ACTION_ITEM_STATUSES)
             .select_related("review__incident", "owner")
             .order_by("due_on", "pk"))
    return items if drills else items.filter(review__incident__is_drill=False)
