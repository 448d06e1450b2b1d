"""The facts a review is written from, read from the record: its key moments, the history
of its statements and who approved which version when, its impact (mentions, reach,
sentiment before, during and after, stakeholder groups reached), the volume series and
approval cycles its charts draw, and a suggested executive summary.

Reads only, each in a fixed number of queries whatever the size of the incident; mention
counts are summed in the database from the minute buckets (``MentionBucket``) of the
watches of the incident's alerts (a mention two of those watches matched counts for
each).
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, gettext

from comms.choices import Decision, StatementKind
from comms.models import ApprovalDecision, Statement, StatementVersion
from crisis.choices import AUTHORED_KINDS, Severity, TimelineKind
from crisis.models import Incident, TimelineEntry
from monitoring.models import AlertLevelChange, MentionBucket

from .metrics import (
    HOUR,
    LevelSpan,
    Metric,
    bucket_slots,
    deliveries_by_group,
    format_duration,
    incident_alerts,
    incident_end,
    leading_alert,
    level_history,
    metrics_as_json,
    metrics_by_key,
    metrics_from_json,
    slot_start,
    spike_start,
    stage_cycles,
)
from .models import EXECUTIVE_SUMMARY_MAX_WORDS
from .series import LevelBand, StageCycle, StatementMarker, VolumePoint, VolumeSeries
from .words import word_count

SUMMARY_MAX_WORDS = EXECUTIVE_SUMMARY_MAX_WORDS
KEY_MOMENTS_LIMIT = 60  # besides the pinned entries, which are all kept
IMPACT_WINDOW = timedelta(hours=24)  # "before" and "after" the incident
MAX_POINTS = 200
# Widths of a chart's points, in minutes: the narrowest that keeps a series within
# MAX_POINTS is used.
BUCKET_MINUTES = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
MARKER_LABEL = 40


# --- key moments -------------------------------------------------------------------------------

# Unpinned entries worth a review, the most telling first when there are too many.
KEY_KINDS = (TimelineKind.KEY_MOMENT, TimelineKind.DECISION, TimelineKind.ESCALATION,
             TimelineKind.STATEMENT, TimelineKind.ALERT, TimelineKind.CREATED,
             TimelineKind.STATUS, TimelineKind.MERGE, TimelineKind.CORRECTION)


def key_moments(incident: Incident, *, limit: int = KEY_MOMENTS_LIMIT) -> list[TimelineEntry]:
    """The pinned entries first (in time order), then the decisions, key moments,
    escalations, public statements published, alerts, status changes and merges (in
    time order; when there are more than ``limit``, the first kinds of ``KEY_KINDS`` are
    kept). Corrections of decisions and key moments count as what they correct. Two
    queries."""
    chosen = (Q(pinned=True)
              | Q(kind__in=[TimelineKind.KEY_MOMENT, TimelineKind.DECISION,
                            TimelineKind.ESCALATION, TimelineKind.ALERT, TimelineKind.CREATED,
                            TimelineKind.STATUS, TimelineKind.MERGE])
              | Q(kind=TimelineKind.STATEMENT, data__action="published", data__published=True)
              | Q(kind=TimelineKind.CORRECTION,
                  data__as__in=[kind.value for kind in AUTHORED_KINDS
                                if kind != TimelineKind.NOTE]))
    # Chosen on a narrow read (a long incident has hundreds of decisions), then read whole.
    rows = list(TimelineEntry.objects.filter(chosen, incident=incident)
                .order_by("created_at", "pk").values_list("pk", "kind", "pinned", "created_at"))
    others = [row for row in rows if not row[2]]
    if len(others) > limit:
        rank = {kind: index for index, kind in enumerate(KEY_KINDS)}
        others = sorted(others, key=lambda row: (rank.get(row[1], len(rank)), row[3], row[0]))
        others = others[:limit]
    keep = {row[0] for row in rows if row[2]} | {row[0] for row in others}
    entries = list(TimelineEntry.objects.filter(pk__in=keep).select_related("actor")
                   .order_by("created_at", "pk"))
    return [entry for entry in entries if entry.pinned] + [
        entry for entry in entries if not entry.pinned]


# --- statements --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DecisionRecord:
    stage: str
    decider: str
    decision: str  # comms.choices.Decision
    decision_label: str
    comment: str
    at: datetime
    as_fallback: bool

    @property
    def is_approval(self) -> bool:
        return self.decision == Decision.APPROVE


@dataclass(frozen=True)
class VersionRecord:
    number: int
    author: str
    saved_at: datetime
    decisions: list[DecisionRecord] = field(default_factory=list)
    published: bool = False

    @property
    def approvals(self) -> list[DecisionRecord]:
        return [decision for decision in self.decisions if decision.is_approval]


@dataclass(frozen=True)
class StatementRecord:
    statement: Statement
    versions: list[VersionRecord]

    @property
    def published_at(self) -> datetime | None:
        return self.statement.published_at

    @property
    def published_version(self) -> int | None:
        return self.statement.published_version

    @property
    def is_public(self) -> bool:
        return self.statement.is_public


def statement_history(incident: Incident) -> list[StatementRecord]:
    """Each statement of the incident (oldest first), its versions and, on each version,
    who decided what at which stage and when (who approved which version when). Three
    queries."""
    statements = (Statement.objects.filter(incident=incident)
                  .select_related("published_by", "created_by")
                  .prefetch_related(
                      Prefetch("versions", queryset=StatementVersion.objects
                               .select_related("author").order_by("number")
                               .only("pk", "statement_id", "number", "created_at",
                                     "author__username", "author__first_name",
                                     "author__last_name")),
                      Prefetch("decisions", queryset=ApprovalDecision.objects
                               .select_related("decider", "stage").order_by("created_at", "pk")
                               .only("pk", "statement_id", "version_id", "decision", "comment",
                                     "created_at", "as_fallback", "stage__name",
                                     "decider__username", "decider__first_name",
                                     "decider__last_name")))
                  .order_by("created_at", "pk"))
    history = []
    for statement in statements:
        by_version: dict[int, list[DecisionRecord]] = {}
        for decision in statement.decisions.all():
            by_version.setdefault(decision.version_id, []).append(DecisionRecord(
                stage=str(decision.stage), decider=str(decision.decider),
                decision=decision.decision,
                decision_label=str(Decision(decision.decision).label),
                comment=decision.comment, at=decision.created_at,
                as_fallback=decision.as_fallback))
        versions = [VersionRecord(number=version.number, author=str(version.author),
                                  saved_at=version.created_at,
                                  decisions=by_version.get(version.pk, []),
                                  published=version.number == statement.published_version)
                    for version in statement.versions.all()]
        history.append(StatementRecord(statement=statement, versions=versions))
    return history


# --- impact ------------------------------------------------------------------------------------

def _watch_ids(alerts: list[dict]) -> list[int]:
    return sorted({alert["watch_id"] for alert in alerts})


def _period(totals: dict, name: str, start: datetime, end: datetime) -> dict:
    mentions = totals[f"{name}_mentions"] or 0
    hours = max((end - start).total_seconds() / HOUR, 0.0)
    return {
        "start": start, "end": end, "hours": round(hours, 2), "mentions": mentions,
        "negative": totals[f"{name}_negative"] or 0, "positive": totals[f"{name}_positive"] or 0,
        "reach": totals[f"{name}_reach"] or 0,
        "negative_share": (totals[f"{name}_negative"] or 0) / mentions if mentions else None,
        "positive_share": (totals[f"{name}_positive"] or 0) / mentions if mentions else None,
        "per_hour": round(mentions / hours, 1) if hours else None,
    }


def impact(incident: Incident, *, now: datetime | None = None) -> dict:
    """Mention volume, reach and sentiment of the watches of the incident's alerts
    *during* the incident (from its detection to its closing, or now), *before* it (the
    ``IMPACT_WINDOW`` before detection) and *after* it (the ``IMPACT_WINDOW`` after
    closing, as much of it as has passed; None while open); the busiest hour; and the
    stakeholder groups its statements were delivered to. Four queries."""
    now = now or timezone.now()
    alerts = incident_alerts(incident)
    watch_ids = _watch_ids(alerts)
    start, end = incident.detected_at, incident_end(incident, now)
    periods = {"before": (start - IMPACT_WINDOW, start), "during": (start, end)}
    if incident.closed_at is not None:
        periods["after"] = (end, max(end, min(end + IMPACT_WINDOW, now)))
    sums = {}
    for name, (since, until) in periods.items():
        inside = Q(start__gte=since, start__lt=until)
        for column in ("mentions", "negative", "positive", "reach"):
            sums[f"{name}_{column}"] = Coalesce(Sum(column, filter=inside), 0)
    totals = (MentionBucket.objects.filter(watch_id__in=watch_ids).aggregate(**sums)
              if watch_ids else {key: 0 for key in sums})
    result = {name: _period(totals, name, since, until)
              for name, (since, until) in periods.items()}
    result.setdefault("after", None)
    hours = bucket_slots(watch_ids=watch_ids, start=start, end=end, width_seconds=HOUR)
    busiest = max(hours, key=lambda row: row["mentions"], default=None)
    # Shipped group names in the reader's language ("name": as stored).
    groups = [{**group, "name": group["group"], "group": gettext(group["group"])}
              for group in deliveries_by_group(incident)]
    return {
        "watches": sorted({alert["watch__name"] for alert in alerts}),
        "mentions": result["during"]["mentions"], "reach": result["during"]["reach"],
        "before": result["before"], "during": result["during"], "after": result["after"],
        "peak_hour": ({"start": slot_start(busiest["slot"], HOUR),
                       "mentions": busiest["mentions"]} if busiest else None),
        "groups_reached": [group for group in groups if group["sent"] or group["acknowledged"]],
        "groups": groups,
    }


# --- the volume series -------------------------------------------------------------------------

def bucket_minutes_for(span: timedelta, *, max_points: int = MAX_POINTS) -> int:
    """The narrowest point width (``BUCKET_MINUTES``) that draws ``span`` in at most
    ``max_points`` points."""
    minutes = span.total_seconds() / 60
    for width in BUCKET_MINUTES:
        if minutes / width < max_points:
            return width
    return BUCKET_MINUTES[-1]


def series_span(incident: Incident, alerts: list[dict], now: datetime | None = None
                ) -> tuple[datetime, datetime]:
    """What the chart shows: from a little before the spike began (a tenth of the
    incident's span, at least an hour, for the usual volume) to the incident's end."""
    began, end = spike_start(incident, alerts), incident_end(incident, now)
    lead = max(timedelta(hours=1), (end - began) / 10)
    return began - lead, max(end, began)


def volume_series(incident: Incident, *, now: datetime | None = None) -> VolumeSeries:
    """Mentions and negative mentions per point over ``series_span`` (at most about
    ``MAX_POINTS`` points, zeros included), the warning-level bands (the leading alert's
    levels until the incident opened, then the incident's) and a marker at each public
    statement's publication. Five queries."""
    alerts = incident_alerts(incident)
    start, end = series_span(incident, alerts, now)
    width = bucket_minutes_for(end - start)
    seconds = width * 60
    rows = {row["slot"]: row for row in bucket_slots(
        watch_ids=_watch_ids(alerts), start=start, end=end, width_seconds=seconds)}
    # Points from the one holding ``start`` to the one holding the last instant before ``end``.
    first, last = int(start.timestamp()) // seconds, (math.ceil(end.timestamp()) - 1) // seconds
    points = [VolumePoint(at=slot_start(slot, seconds),
                          mentions=rows[slot]["mentions"] if slot in rows else 0,
                          negative=rows[slot]["negative"] if slot in rows else 0)
              for slot in range(first, last + 1)] if alerts else []
    spans = alert_level_history(incident, alerts) + level_history(
        incident, end=incident_end(incident, now))
    bands: list[LevelBand] = []
    for span in spans:
        if not span.level or span.end <= start or span.start >= end:
            continue
        band = LevelBand(start=max(span.start, start), end=min(span.end, end), level=span.level)
        if bands and bands[-1].level == band.level and bands[-1].end == band.start:
            band = LevelBand(start=bands.pop().start, end=band.end, level=band.level)
        bands.append(band)
    markers = [StatementMarker(at=at, label=_short(title))
               for title, at in Statement.objects.filter(
                   incident=incident, published_at__isnull=False)
               .exclude(kind=StatementKind.INTERNAL_MEMO)
               .order_by("published_at", "pk").values_list("title", "published_at")]
    return VolumeSeries(points=points, bands=bands, markers=markers, bucket_minutes=width)


def alert_level_history(incident: Incident, alerts: list[dict]) -> list[LevelSpan]:
    """The levels of the alert that led to the incident before the incident opened (from
    the alert's opening; the incident's own levels take over at its opening). One query,
    none without such an alert."""
    alert = leading_alert(incident, alerts)
    if alert is None:
        return []
    changes = list(AlertLevelChange.objects.filter(alert_id=alert["pk"],
                                                   at__lt=incident.created_at)
                   .order_by("at", "pk").values_list("at", "level"))
    ends = [at for at, _level in changes[1:]] + [incident.created_at]
    return [LevelSpan(max(at, alert["opened_at"]), until, level)
            for (at, level), until in zip(changes, ends, strict=True) if until > at]


def _short(text: str, limit: int = MARKER_LABEL) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def approval_cycles(incident: Incident) -> list[StageCycle]:
    """Approval cycle times per stage (minutes per decided version): what the approval
    chart draws and the ``approval_cycle`` metric summarises, stages named in the active
    language (they are stored in English, as the policy's admin wrote them). Three queries."""
    return [StageCycle(stage=gettext(cycle.stage), minutes=cycle.minutes)
            for cycle in stage_cycles(incident)]


# --- the suggested summary ---------------------------------------------------------------------

def _date(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _number(value) -> str:
    return number_format(value, force_grouping=True)


def _percent(share: float) -> str:
    return number_format(round(share * 100))


def suggested_summary(incident: Incident, metrics: list[Metric], *,
                      now: datetime | None = None) -> str:
    """A draft executive summary from the facts, in the active language, at most
    ``SUMMARY_MAX_WORDS`` words as the summary's limit counts them (``reports.words``): a
    template of sentences, each said only when its facts
    are known (the least important are left out when it would be longer). People write
    the summary; this is where they start."""
    by_key = metrics_by_key(metrics_from_json(metrics_as_json(metrics)))  # today's language
    facts = impact(incident, now=now)

    def metric(key: str) -> Metric | None:
        found = by_key.get(key)
        return found if found is not None and found.is_computed else None

    sentences = []
    values = {"reference": incident.reference, "title": incident.title,
              "type": str(incident.type), "severity": str(Severity(incident.severity).label),
              "detected": _date(incident.detected_at)}
    if incident.closed_at:
        values.update(closed=_date(incident.closed_at), duration=format_duration(
            (incident.closed_at - incident.detected_at).total_seconds()))
        sentences.append(gettext("%(reference)s “%(title)s” (%(type)s, severity %(severity)s) "
                                 "was detected on %(detected)s and closed on %(closed)s, "
                                 "%(duration)s later.") % values)
    else:
        sentences.append(gettext("%(reference)s “%(title)s” (%(type)s, severity %(severity)s) "
                                 "was detected on %(detected)s and is still open.") % values)
    if incident.is_drill:
        sentences.append(gettext("It was a drill."))
    if peak := metric("peak_warning_level"):
        sentences.append(gettext("Its warning level peaked at %(level)s.")
                         % {"level": peak.display})
    detect, acknowledge = metric("time_to_detect"), metric("time_to_acknowledge")
    if detect and acknowledge:
        sentences.append(gettext("The alert came %(detect)s after the first mention of the "
                                 "spike, and the incident was opened %(acknowledge)s after the "
                                 "alert.") % {"detect": detect.display,
                                              "acknowledge": acknowledge.display})
    during, before = facts["during"], facts["before"]
    if during["mentions"]:
        numbers = {"mentions": _number(during["mentions"]), "reach": _number(during["reach"]),
                   "negative": _percent(during["negative_share"])}
        if before["negative_share"] is not None:
            sentences.append(gettext(
                "While it lasted its watches saw %(mentions)s mentions reaching about "
                "%(reach)s people; %(negative)s %% were negative, against %(before)s %% in "
                "the day before.") % {**numbers, "before": _percent(before["negative_share"])})
        else:
            sentences.append(gettext(
                "While it lasted its watches saw %(mentions)s mentions reaching about "
                "%(reach)s people; %(negative)s %% were negative.") % numbers)
    first = by_key.get("time_to_first_statement")
    if first is not None and first.is_computed:
        published = by_key["statements_published"]
        sentences.append(gettext("The first public statement went out %(time)s after the "
                                 "incident was opened; %(published)s statements were "
                                 "published.") % {"time": first.display,
                                                  "published": published.display})
    elif first is not None:
        sentences.append(first.missing)
    assemble = by_key.get("time_to_assemble")
    if assemble is not None:
        sentences.append(gettext("The team had its lead, legal reviewer and spokesperson "
                                 "%(time)s after the incident was opened.")
                         % {"time": assemble.display} if assemble.is_computed
                         else assemble.missing)
    if deliveries := metric("deliveries"):
        rows = deliveries.details
        sentences.append(gettext("Deliveries to %(groups)d stakeholder groups: %(summary)s.")
                         % {"groups": len(rows), "summary": deliveries.display})
    recovery = by_key.get("sentiment_recovery")
    if recovery is not None and recovery.is_computed:
        sentences.append(gettext("Negative sentiment was back to its usual level %(time)s "
                                 "after the incident was opened.") % {"time": recovery.display})
    elif recovery is not None and recovery.missing_code == "not_recovered":
        sentences.append(gettext("Negative sentiment had not yet come back to its usual "
                                 "level."))
    if tasks := metric("tasks_on_time"):
        sentences.append(gettext("Checklist tasks done on time: %(tasks)s.")
                         % {"tasks": tasks.display})
    if approval := metric("approval_cycle"):
        sentences.append(gettext("Approval stages took a median of %(median)s to decide a "
                                 "version, the longest %(longest)s.") % {
            "median": format_duration(approval.value),
            "longest": format_duration(max(row["max_seconds"] for row in approval.details))})
    sentences = [sentence for sentence in sentences if sentence]
    # Chinese sentences follow each other without a space.
    separator = "" if (get_language() or "").startswith("zh") else " "
    text = separator.join(sentences)
    while word_count(text) > SUMMARY_MAX_WORDS and len(sentences) > 1:
        sentences.pop()
        text = separator.join(sentences)
    return text
