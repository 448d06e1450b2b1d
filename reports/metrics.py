"""The review's response metrics, computed from the record and never typed in.

Every metric says what it measures from what to what (``Metric.definition``, shown beside
the figure and in the PDF's appendix), and when the record cannot give it, why
(``Metric.missing``: "No alert led to this incident."). The moments they count from:

- *the incident opened*: ``Incident.created_at`` (``detected_at`` is when the problem
  began, which for an incident opened from an alert is the first mention of the spike);
- *the alert that led to the incident*: the earliest-opened of the incident's alerts that
  opened no later than the incident (an alert attached to an incident that was already
  open led to nothing);
- *the first mention of the spike*: ``Alert.first_mention_at``, set by detection when the
  alert opens (``monitoring.detection.spike_began``): the start of the earliest minute of
  the run of busy minutes (more than two standard deviations above the watch's usual
  volume, pauses of at most three quieter minutes) that reached the alert;
- *the incident's end*: its closing time, or now while it is open.

``compute_metrics`` reads the record in a fixed number of queries whatever the size of the
incident (aggregated in the database: 50,000 mentions are never loaded), about a dozen.
``metrics_as_json`` keeps the numbers without words (frozen into a signed-off review
version); ``metrics_from_json`` puts the words back in the active language, so a frozen
review reads in any of the review languages.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Count, F, Func, IntegerField, Min, Q, Sum, Value
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comms.choices import Decision, StatementKind
from comms.delivery_choices import DeliveryStatus
from comms.models import ApprovalDecision, Delivery, ReviewStage, Statement
from comms.policy import groups as stage_groups
from core.reltime import elapsed
from crisis.choices import TaskStatus, TimelineKind, WarningLevel
from crisis.models import Incident, Task, TimelineEntry
from monitoring.models import Alert, Baseline, MentionBucket
from teams.models import RoleAssignment

from .series import StageCycle

JSON_FORMAT = 1

# The team is assembled once it has held each of these roles (teams.Role codes).
ASSEMBLY_ROLES = ("lead", "legal_reviewer", "spokesperson")
ROLE_LABELS = {"lead": _("Incident lead"), "legal_reviewer": _("Legal reviewer"),
               "spokesperson": _("Spokesperson")}
ROLE_NEVER_HELD = {"lead": _("The team never had an incident lead."),
                   "legal_reviewer": _("The team never had a legal reviewer."),
                   "spokesperson": _("The team never had a spokesperson.")}

# Sentiment recovery: the usual negative share is the watches' share over this long before
# the spike began; an hour is inside the band while its share is at most the usual share
# plus two standard errors of a share of that many mentions, or BAND_MIN, whichever is more.
SENTIMENT_HISTORY = timedelta(days=28)
BAND_MIN = 0.05
BAND_STANDARD_ERRORS = 2
HOUR = 3600


# --- the metric --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    key: str  # "time_to_detect", ...
    label: str  # in the language active when it was built
    definition: str  # one sentence: what is measured from what to what
    value: float | int | None
    unit: str  # "seconds", "count", "percent", "level", "versions"
    display: str  # the value for people ("1 h 12 min", "3 of 4")
    missing: str  # why it could not be computed; "" when computed
    details: list[dict] = field(default_factory=list)  # per stage / group / level rows
    # What metrics_as_json keeps: the reason's code and what it names, the rows' numbers.
    missing_code: str = field(default="", repr=False)
    missing_params: dict = field(default_factory=dict, repr=False)
    raw_details: list[dict] = field(default_factory=list, repr=False)

    @property
    def is_computed(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class _Spec:
    label: object
    definition: object
    unit: str
    display: Callable[[float | int | None, list[dict]], str]
    rows: Callable[[list[dict]], list[dict]] = lambda rows: rows


def format_duration(seconds: float | None) -> str:
    """"1 h 12 min", "3 d 4 h", "45 s" in the active language (the room's clock words)."""
    if seconds is None:
        return ""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return gettext("%(s)d s") % {"s": round(seconds)}
    return elapsed(round(seconds / 60))


def _level_label(code: str) -> str:
    return str(WarningLevel(code).label) if code in WarningLevel.values else code


def _duration(value, rows) -> str:
    return format_duration(value)


def _approval_display(value, rows) -> str:
    longest = max((row["max_seconds"] for row in rows), default=None)
    return gettext("median %(median)s · longest %(max)s") % {
        "median": format_duration(value), "max": format_duration(longest)}


def _approval_rows(rows) -> list[dict]:
    return [{**row, "stage_label": gettext(row["stage"]) if row["stage"] else "",
             "median": format_duration(row["median_seconds"]),
             "max": format_duration(row["max_seconds"])} for row in rows]


def _published_display(value, rows) -> str:
    total = rows[0]["statements"] if rows else value
    return gettext("%(n)d of %(total)d") % {"n": value or 0, "total": total or 0}


def _versions_display(value, rows) -> str:
    most = max((row["versions"] for row in rows), default=0)
    return gettext("%(average)s (most: %(most)d)") % {
        "average": number_format(value or 0, 1), "most": most}


def _deliveries_display(value, rows) -> str:
    return gettext("%(sent)d sent · %(failed)d failed · %(acknowledged)d acknowledged, "
                   "of %(total)d") % {
        "sent": sum(row["sent"] for row in rows), "failed": sum(row["failed"] for row in rows),
        "acknowledged": sum(row["acknowledged"] for row in rows), "total": value or 0}


def _group_rows(rows) -> list[dict]:
    return [{**row, "group_label": gettext(row["group"])} for row in rows]


def _tasks_display(value, rows) -> str:
    row = rows[0] if rows else {"on_time": 0, "counted": 0}
    return gettext("%(n)d of %(total)d (%(percent)s %%)") % {
        "n": row["on_time"], "total": row["counted"],
        "percent": number_format(round(value or 0))}


def _recovery_display(value, rows) -> str:
    if value is None and rows:
        return gettext("Not yet recovered")
    return format_duration(value)


def _peak_display(value, rows) -> str:
    return str(list(WarningLevel)[value - 1].label) if value else ""


def _levels_display(value, rows) -> str:
    return " · ".join(f"{_level_label(row['level'])} {format_duration(row['seconds'])}"
                      for row in rows)


def _level_rows(rows) -> list[dict]:
    return [{**row, "level_label": _level_label(row["level"]),
             "time": format_duration(row["seconds"])} for row in rows]


def _role_rows(rows) -> list[dict]:
    return [{**row, "role_label": str(ROLE_LABELS.get(row["role"], row["role"])),
             "after": format_duration(row["seconds"])} for row in rows]


SPECS: dict[str, _Spec] = {
    "time_to_detect": _Spec(
        _("Time to detect"),
        _("From the first mention of the spike (the start of the first minute, more than two "
          "standard deviations above the watch's usual volume, of the run of busy minutes "
          "that raised the alert) to the opening of the alert that led to this incident."),
        "seconds", _duration),
    "time_to_acknowledge": _Spec(
        _("Time to acknowledge"),
        _("From the opening of the alert that led to this incident to the opening of the "
          "incident."),
        "seconds", _duration),
    "time_to_assemble": _Spec(
        _("Time to assemble"),
        _("From the opening of the incident until its team had held each of an incident "
          "lead, a legal reviewer and a spokesperson (the latest of their first "
          "assignments)."),
        "seconds", _duration, _role_rows),
    "time_to_first_statement": _Spec(
        _("Time to first holding statement"),
        _("From the opening of the incident to the first publication of a public statement "
          "(any kind but an internal memo)."),
        "seconds", _duration),
    "approval_cycle": _Spec(
        _("Approval cycle"),
        _("For each approval stage, from a version entering the stage (its review started, "
          "or the stages before approved it) to the stage's decision on it (the last "
          "approval it needed, a rejection or a request for changes): the median and the "
          "longest; the figure is the median over all stages."),
        "seconds", _approval_display, _approval_rows),
    "statements_published": _Spec(
        _("Statements published"),
        _("The incident's statements that were published, of all the statements drafted."),
        "count", _published_display),
    "versions_per_statement": _Spec(
        _("Versions per statement"),
        _("The number of versions saved per statement, on average over the incident's "
          "statements."),
        "versions", _versions_display),
    "deliveries": _Spec(
        _("Deliveries"),
        _("Deliveries of published statements to stakeholder groups, per group: sent "
          "(acknowledged ones included), failed, and acknowledged by their recipients."),
        "count", _deliveries_display, _group_rows),
    "tasks_on_time": _Spec(
        _("Checklist tasks done on time"),
        _("Checklist tasks marked done by their due time (or done, when they had none), as "
          "a share of all the incident's tasks that were not waived."),
        "percent", _tasks_display),
    "sentiment_recovery": _Spec(
        _("Sentiment recovery"),
        _("From the opening of the incident to the end of the last hour whose negative share "
          "of mentions was above the usual band (the watches' negative share in the four "
          "weeks before the spike, plus two standard errors or five percentage points, "
          "whichever is more), every later hour staying inside it."),
        "seconds", _recovery_display),
    "peak_warning_level": _Spec(
        _("Peak warning level"),
        _("The highest warning level the incident was at between its opening and its "
          "closing."),
        "level", _peak_display),
    "time_at_levels": _Spec(
        _("Time at each warning level"),
        _("How long the incident was at each warning level, from its opening to its closing "
          "(or until now while it is open)."),
        "seconds", _levels_display, _level_rows),
}

MISSING = {
    "no_alert": _("No alert led to this incident."),
    "no_public_statement": _("No statement was published publicly."),
    "no_statements": _("No statement was drafted."),
    "no_approvals": _("No statement version was decided at an approval stage."),
    "no_deliveries": _("Nothing was delivered to a stakeholder group."),
    "no_tasks": _("The incident had no checklist tasks that were not waived."),
    "no_watches": _("No alert is linked to this incident, so no mentions are known for it."),
    "no_usual_share": _("The incident's watches had no mentions before the spike to learn "
                        "the usual negative share from."),
    "no_mentions": _("No mentions were recorded after the incident was opened."),
    "not_recovered": _("The negative share had not come back inside the usual band."),
    "no_warning_level": _("The incident never had a warning level."),
}


def _missing_words(code: str, params: dict) -> str:
    if code == "roles_missing":
        return " ".join(str(ROLE_NEVER_HELD[role]) for role in params.get("roles", [])
                        if role in ROLE_NEVER_HELD)
    return str(MISSING[code]) if code else ""


def build_metric(key: str, value, details: list[dict] | None = None, *, missing: str = "",
                 missing_params: dict | None = None) -> Metric:
    """A metric with its words in the active language, from its numbers (``missing``: the
    reason's code when it could not be computed)."""
    spec = SPECS[key]
    details = [dict(row) for row in details or []]
    params = dict(missing_params or {})
    shown = value is not None or missing == "not_recovered"
    return Metric(
        key=key, label=str(spec.label), definition=str(spec.definition), value=value,
        unit=spec.unit, display=spec.display(value, details) if shown else "",
        missing=_missing_words(missing, params),
        details=spec.rows([dict(row) for row in details]),
        missing_code=missing, missing_params=params, raw_details=details)


# --- reading the record (each one query, whatever the size) ------------------------------------

class EpochSeconds(Func):
    """Seconds since 1970 of a date and time, in the database (SQLite and PostgreSQL)."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        # '%%%%s': the template's formatting and then the driver's each halve the %s.
        return self.as_sql(compiler, connection,
                           template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection,
                           template="CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)",
                           **extra)


def slot_start(slot: int, width_seconds: int) -> datetime:
    return datetime.fromtimestamp(slot * width_seconds, tz=UTC)


def bucket_slots(*, watch_ids: list[int], start: datetime, end: datetime,
                 width_seconds: int) -> list[dict]:
    """The watches' minute buckets in [start, end) summed per slot of ``width_seconds``
    (slot n starts at n × width seconds after 1970): one grouped query, one row per slot
    that has buckets, in order."""
    if not watch_ids or end <= start:
        return []
    slot = EpochSeconds("start") / Value(width_seconds)
    return list(MentionBucket.objects.filter(watch_id__in=watch_ids, start__gte=start,
                                             start__lt=end)
                .annotate(slot=slot).values("slot")
                .annotate(mentions=Sum("mentions"), negative=Sum("negative"),
                          positive=Sum("positive"), reach=Sum("reach"))
                .order_by("slot"))


def incident_end(incident: Incident, now: datetime | None = None) -> datetime:
    return incident.closed_at or now or timezone.now()


def incident_alerts(incident: Incident) -> list[dict]:
    """The incident's alerts, earliest opened first."""
    return list(Alert.objects.filter(incident=incident)
                .values("pk", "watch_id", "watch__name", "level", "peak_level", "opened_at",
                        "first_mention_at").order_by("opened_at", "pk"))


def leading_alert(incident: Incident, alerts: list[dict]) -> dict | None:
    """The alert that led to the incident: the earliest of its alerts that opened no later
    than the incident did."""
    return next((alert for alert in alerts if alert["opened_at"] <= incident.created_at), None)


def spike_start(incident: Incident, alerts: list[dict]) -> datetime:
    """When the incident's trouble began: its detection, or its alerts' first mention."""
    return min([incident.detected_at, *(alert["first_mention_at"] for alert in alerts)])


@dataclass(frozen=True)
class LevelSpan:
    start: datetime
    end: datetime
    level: str  # "" when the incident had no warning level

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def level_history(incident: Incident, *, end: datetime) -> list[LevelSpan]:
    """The incident's warning level over time, from its opening to ``end``: from the
    level it opened with and each escalation that changed it (the manual ones and those
    following its alerts), as the timeline records them. One query."""
    entries = list(TimelineEntry.objects.filter(
        incident=incident, kind__in=[TimelineKind.CREATED, TimelineKind.ESCALATION])
        .order_by("created_at", "pk").values_list("kind", "data", "created_at"))
    changes = [(at, data["warning_level"]) for kind, data, at in entries
               if kind == TimelineKind.ESCALATION and isinstance(data.get("warning_level"), list)]
    created = next((data for kind, data, _at in entries if kind == TimelineKind.CREATED), None)
    if created is not None:
        level = created.get("warning_level", "")
    elif changes:
        level = changes[0][1][0] or ""
    else:
        level = incident.warning_level or ""
    spans, start = [], incident.created_at
    for at, (_old, new) in changes:
        at = min(max(at, start), end)
        if at > start:
            spans.append(LevelSpan(start, at, level))
            start = at
        level = new or ""
    if end > start:
        spans.append(LevelSpan(start, end, level))
    return spans


def stage_cycles(incident: Incident) -> list[StageCycle]:
    """How long each approval stage took to decide each version it decided, in minutes,
    per stage name in the order stages come (see the ``approval_cycle`` definition).
    Three queries: the stages, the decisions (with their version's time), the submissions.

    A version enters the first stages of a review round when the round was submitted, or
    when it was saved if that was later (an edit during review restarts it); it enters a
    later stage when the stages before it have every approval they need on it. A stage
    decides a version with the approval that completes it, or with the first rejection or
    request for changes."""
    stages = list(ReviewStage.objects.filter(statement__incident=incident)
                  .values("pk", "statement_id", "round", "position", "name",
                          "approvals_needed", "parallel_with_previous")
                  .order_by("statement_id", "round", "position"))
    if not stages:
        return []
    decisions = list(ApprovalDecision.objects.filter(stage__statement__incident=incident)
                     .values("stage_id", "version_id", "version__created_at", "decision",
                             "created_at").order_by("created_at", "pk"))
    submitted: dict[int, list[datetime]] = defaultdict(list)
    for statement_id, at in (TimelineEntry.objects.filter(
            incident=incident, kind=TimelineKind.STATEMENT, data__action="submitted")
            .order_by("created_at", "pk").values_list("data__statement", "created_at")):
        submitted[statement_id].append(at)

    by_round: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for stage in stages:
        by_round[stage["statement_id"], stage["round"]].append(stage)
    group_of: dict[int, int] = {}
    for round_stages in by_round.values():
        for index, group in enumerate(stage_groups([_StageView(s) for s in round_stages])):
            for view in group:
                group_of[view.row["pk"]] = index
    stage_by_pk = {stage["pk"]: stage for stage in stages}

    # Per (stage, version): its decisions in order.
    found: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for decision in decisions:
        found[decision["stage_id"], decision["version_id"]].append(decision)

    def decided_at(stage: dict, rows: list[dict]) -> tuple[datetime | None, bool]:
        """When the stage decided the version, and whether that completed it."""
        for approvals, row in enumerate(rows, start=1):
            if row["decision"] != Decision.APPROVE:
                return row["created_at"], False
            if approvals >= stage["approvals_needed"]:
                return row["created_at"], True
        return None, False

    completed: dict[tuple[int, int], datetime | None] = {}
    for (stage_id, version_id), rows in found.items():
        at, complete = decided_at(stage_by_pk[stage_id], rows)
        completed[stage_id, version_id] = at if complete else None

    cycles: dict[str, list[float]] = {}
    order: dict[str, tuple] = {}
    for (stage_id, version_id), rows in found.items():
        stage = stage_by_pk[stage_id]
        at, _complete = decided_at(stage, rows)
        if at is None:
            continue
        saved = rows[0]["version__created_at"]
        first = rows[0]["created_at"]
        rounds = [when for when in submitted.get(stage["statement_id"], []) if when <= first]
        entered = max(saved, rounds[-1]) if rounds else saved
        group = group_of[stage_id]
        if group:
            earlier = [s for s in by_round[stage["statement_id"], stage["round"]]
                       if group_of[s["pk"]] < group]
            done = [completed.get((s["pk"], version_id)) for s in earlier]
            if any(when is None for when in done):
                continue  # not entered on this version (cannot happen through the services)
            entered = max([entered, *done])
        name = stage["name"]
        cycles.setdefault(name, []).append(max(0.0, (at - entered).total_seconds()) / 60)
        order[name] = min(order.get(name, (stage["position"], name)), (stage["position"], name))
    return [StageCycle(stage=name, minutes=cycles[name]) for name in sorted(cycles, key=order.get)]


class _StageView:
    """A stage row as ``comms.policy.groups`` reads it."""

    def __init__(self, row: dict):
        self.row = row
        self.parallel_with_previous = row["parallel_with_previous"]


def deliveries_by_group(incident: Incident) -> list[dict]:
    """The deliveries of the incident's publications per stakeholder group: total, sent
    (acknowledged ones included, as the stakeholder map counts them), failed,
    acknowledged and still pending; in the groups' order. One query."""
    rows: dict[int, dict] = {}
    for item in (Delivery.objects.filter(publication__statement__incident=incident)
                 .values("group_id", "group__name", "group__kind", "group__position",
                         "group__acknowledgement_required", "status")
                 .annotate(n=Count("pk")).order_by()):
        row = rows.setdefault(item["group_id"], {
            "group": item["group__name"], "kind": item["group__kind"],
            "position": item["group__position"],
            "acknowledgement_required": item["group__acknowledgement_required"],
            "total": 0, "sent": 0, "failed": 0, "acknowledged": 0, "pending": 0})
        status, n = item["status"], item["n"]
        row["total"] += n
        if status in (DeliveryStatus.SENT, DeliveryStatus.ACKNOWLEDGED):
            row["sent"] += n
        elif status == DeliveryStatus.FAILED:
            row["failed"] += n
        else:
            row["pending"] += n
        if status == DeliveryStatus.ACKNOWLEDGED:
            row["acknowledged"] += n
    ordered = sorted(rows.values(), key=lambda row: (row["position"], row["group"]))
    return [{key: value for key, value in row.items() if key != "position"} for row in ordered]


def incident_statements(incident: Incident) -> list[dict]:
    """The incident's statements, oldest first (their versions are numbered 1 to
    ``current_version``). One query."""
    return list(Statement.objects.filter(incident=incident)
                .values("pk", "title", "kind", "status", "current_version", "published_at",
                        "published_version").order_by("created_at", "pk"))


# --- the metrics -------------------------------------------------------------------------------

def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def _detection(incident: Incident, alerts: list[dict]) -> list[Metric]:
    alert = leading_alert(incident, alerts)
    if alert is None:
        return [build_metric("time_to_detect", None, missing="no_alert"),
                build_metric("time_to_acknowledge", None, missing="no_alert")]
    row = {"alert": alert["pk"], "watch": alert["watch__name"]}
    return [
        build_metric("time_to_detect", _seconds(alert["first_mention_at"], alert["opened_at"]),
                     [row]),
        build_metric("time_to_acknowledge", _seconds(alert["opened_at"], incident.created_at),
                     [row]),
    ]


def _assembly(incident: Incident) -> Metric:
    first = dict(RoleAssignment.objects.filter(incident=incident, role__code__in=ASSEMBLY_ROLES)
                 .values("role__code").annotate(first=Min("assigned_at"))
                 .values_list("role__code", "first"))
    rows = [{"role": role, "seconds": _seconds(incident.created_at, first[role])
             if role in first else None} for role in ASSEMBLY_ROLES]
    never = [role for role in ASSEMBLY_ROLES if role not in first]
    if never:
        return build_metric("time_to_assemble", None, rows, missing="roles_missing",
                            missing_params={"roles": never})
    return build_metric("time_to_assemble", max(row["seconds"] for row in rows), rows)


def _statements(incident: Incident, statements: list[dict]) -> list[Metric]:
    public = [s["published_at"] for s in statements
              if s["published_at"] and s["kind"] != StatementKind.INTERNAL_MEMO]
    first = (build_metric("time_to_first_statement", _seconds(incident.created_at, min(public)))
             if public else build_metric("time_to_first_statement", None,
                                         missing="no_public_statement"))
    if not statements:
        return [first, build_metric("statements_published", 0, [{"statements": 0}]),
                build_metric("versions_per_statement", None, missing="no_statements")]
    published = sum(1 for s in statements if s["published_at"])
    rows = [{"statement": s["pk"], "title": s["title"], "kind": s["kind"],
             "versions": s["current_version"], "published_version": s["published_version"]}
            for s in statements]
    average = round(sum(row["versions"] for row in rows) / len(rows), 2)
    return [first, build_metric("statements_published", published,
                                [{"statements": len(statements)}]),
            build_metric("versions_per_statement", average, rows)]


def approval_rows(cycles: list[StageCycle]) -> list[dict]:
    return [{"stage": cycle.stage, "count": len(cycle.minutes),
             "median_seconds": round(statistics.median(cycle.minutes) * 60, 1),
             "max_seconds": round(max(cycle.minutes) * 60, 1)}
            for cycle in cycles if cycle.minutes]


def _approvals(incident: Incident) -> Metric:
    cycles = stage_cycles(incident)
    everything = [minutes for cycle in cycles for minutes in cycle.minutes]
    if not everything:
        return build_metric("approval_cycle", None, missing="no_approvals")
    return build_metric("approval_cycle", round(statistics.median(everything) * 60, 1),
                        approval_rows(cycles))


def _deliveries(incident: Incident) -> Metric:
    rows = deliveries_by_group(incident)
    if not rows:
        return build_metric("deliveries", None, missing="no_deliveries")
    return build_metric("deliveries", sum(row["total"] for row in rows), rows)


def _tasks(incident: Incident) -> Metric:
    counts = Task.objects.filter(incident=incident).aggregate(
        total=Count("pk"), waived=Count("pk", filter=Q(status=TaskStatus.WAIVED)),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        on_time=Count("pk", filter=Q(status=TaskStatus.DONE) & (
            Q(due_at__isnull=True) | Q(completed_at__lte=F("due_at")))))
    counted = counts["total"] - counts["waived"]
    row = {"on_time": counts["on_time"], "late": counts["done"] - counts["on_time"],
           "waived": counts["waived"], "unfinished": counted - counts["done"],
           "counted": counted}
    if not counted:
        return build_metric("tasks_on_time", None, [row], missing="no_tasks")
    return build_metric("tasks_on_time", round(100 * counts["on_time"] / counted, 1), [row])


def usual_negative_share(*, watch_ids: list[int], before: datetime) -> float | None:
    """The watches' negative share of mentions in the ``SENTIMENT_HISTORY`` before
    ``before``; without mentions then, their stored baselines' (weighted by their usual
    volume); None when neither is known. One query, two without history."""
    history = MentionBucket.objects.filter(
        watch_id__in=watch_ids, start__gte=before - SENTIMENT_HISTORY, start__lt=before,
    ).aggregate(mentions=Sum("mentions"), negative=Sum("negative"))
    if history["mentions"]:
        return history["negative"] / history["mentions"]
    stored = Baseline.objects.filter(watch_id__in=watch_ids).aggregate(
        volume=Sum("mean"), negative=Sum(F("mean") * F("negative_share")))
    if stored["volume"]:
        return stored["negative"] / stored["volume"]
    return None


def band_top(usual: float, mentions: int) -> float:
    """The highest negative share inside the usual band for an hour of ``mentions``."""
    error = math.sqrt(usual * (1 - usual) / mentions) if mentions else 1.0
    return usual + max(BAND_STANDARD_ERRORS * error, BAND_MIN)


def _sentiment(incident: Incident, alerts: list[dict], end: datetime) -> Metric:
    key = "sentiment_recovery"
    watch_ids = sorted({alert["watch_id"] for alert in alerts})
    if not watch_ids:
        return build_metric(key, None, missing="no_watches")
    usual = usual_negative_share(watch_ids=watch_ids, before=spike_start(incident, alerts))
    if usual is None:
        return build_metric(key, None, missing="no_usual_share")
    opened = incident.created_at
    hours = bucket_slots(watch_ids=watch_ids, start=opened, end=end, width_seconds=HOUR)
    hours = [hour for hour in hours if hour["mentions"]]
    if not hours:
        return build_metric(key, None, missing="no_mentions")
    above = [hour for hour in hours
             if hour["negative"] / hour["mentions"] > band_top(usual, hour["mentions"])]
    last_slot = int((end - timedelta(microseconds=1)).timestamp()) // HOUR
    row = {"usual_share": round(usual, 4), "hours_above": len(above),
           "peak_share": round(max(h["negative"] / h["mentions"] for h in hours), 4)}
    if not above:
        return build_metric(key, 0.0, [row])
    last = above[-1]["slot"]
    row["last_above_at"] = slot_start(last, HOUR).isoformat()
    if last >= last_slot:
        return build_metric(key, None, [row], missing="not_recovered")
    return build_metric(key, _seconds(opened, slot_start(last + 1, HOUR)), [row])


def _levels(incident: Incident, end: datetime) -> list[Metric]:
    spans = [span for span in level_history(incident, end=end) if span.level]
    if not spans:
        return [build_metric("peak_warning_level", None, missing="no_warning_level"),
                build_metric("time_at_levels", None, missing="no_warning_level")]
    seconds: dict[str, float] = defaultdict(float)
    for span in spans:
        seconds[span.level] += span.seconds
    rows = [{"level": level.value, "seconds": round(seconds[level.value], 1)}
            for level in WarningLevel if level.value in seconds]
    peak = max(WarningLevel(span.level).rank for span in spans)
    return [build_metric("peak_warning_level", peak,
                         [{"level": list(WarningLevel)[peak - 1].value}]),
            build_metric("time_at_levels", round(sum(seconds.values()), 1), rows)]


def compute_metrics(incident: Incident, *, now: datetime | None = None) -> list[Metric]:
    """Every response metric of the review, in the issue's order, each with its words in
    the active language. A fixed number of queries (about a dozen), whatever the size of
    the incident; drills are computed the same way."""
    end = incident_end(incident, now)
    alerts = incident_alerts(incident)
    statements = incident_statements(incident)
    time_to_first, published, versions = _statements(incident, statements)
    return [
        *_detection(incident, alerts),
        _assembly(incident),
        time_to_first,
        _approvals(incident),
        published,
        versions,
        _deliveries(incident),
        _tasks(incident),
        _sentiment(incident, alerts, end),
        *_levels(incident, end),
    ]


def metrics_by_key(metrics: list[Metric]) -> dict[str, Metric]:
    return {metric.key: metric for metric in metrics}


# --- frozen ------------------------------------------------------------------------------------

def metrics_as_json(metrics: list[Metric]) -> dict:
    """The numbers without the words (those come back in the reader's language)."""
    return {"format": JSON_FORMAT, "metrics": [
        {"key": metric.key, "value": metric.value, "missing": metric.missing_code,
         "missing_params": metric.missing_params, "details": metric.raw_details}
        for metric in metrics]}


def metrics_from_json(data: dict) -> list[Metric]:
    """The metrics ``metrics_as_json`` kept, with their words in the active language;
    metrics this version of the code does not know are left out."""
    return [build_metric(item["key"], item.get("value"), item.get("details") or [],
                         missing=item.get("missing", ""),
                         missing_params=item.get("missing_params") or {})
            for item in (data or {}).get("metrics", []) if item.get("key") in SPECS]
