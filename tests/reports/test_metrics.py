"""Response metrics on constructed incidents whose answers were worked out by hand (the
numbers in the comments), missing data, a drill, the fixed query count, and the frozen
JSON read back in another language."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from comms.choices import Decision, StatementKind, StatementStatus
from comms.delivery_choices import DeliveryStatus
from comms.models import Delivery, Publication, StakeholderGroup
from crisis.choices import IncidentStatus, TaskStatus, TimelineKind
from crisis.models import TimelineEntry
from monitoring.models import Alert, AlertLevelChange, MentionBucket
from reports.metrics import compute_metrics, metrics_as_json, metrics_by_key, metrics_from_json
from teams.models import Role, RoleAssignment
from tests.comms.factories import (
    ApprovalDecisionFactory,
    ReviewStageFactory,
    StatementFactory,
    StatementVersionFactory,
)
from tests.crisis.factories import IncidentFactory, TaskFactory
from tests.monitoring.helpers import make_watch
from tests.teams.factories import UserFactory

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday, 08:00 UTC: the spike's first mention


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def entry(incident, kind, minutes, **data):
    return TimelineEntry.objects.create(incident=incident, kind=kind, data=data,
                                        created_at=at(minutes))


def bucket(watch, minutes, mentions, negative):
    MentionBucket.objects.create(watch=watch, start=at(minutes), mentions=mentions,
                                 negative=negative, reach=mentions * 10)


def statement(incident, *, kind=StatementKind.HOLDING, versions=(), published=None,
              rounds=(), title=None):
    """A statement with versions saved at ``versions`` (minutes), submitted at ``rounds``
    (minutes; the timeline's "submitted" entries), published at ``published``."""
    made = StatementFactory(incident=incident, kind=kind, title=title or f"{kind} statement",
                            created_at=at(versions[0]), current_version=len(versions))
    saved = [StatementVersionFactory(statement=made, number=n, created_at=at(minutes))
             for n, minutes in enumerate(versions, start=1)]
    for minutes in rounds:
        entry(incident, TimelineKind.STATEMENT, minutes, action="submitted", statement=made.pk)
    if published is not None:
        type(made).objects.filter(pk=made.pk).update(
            status=StatementStatus.PUBLISHED, published_version=len(versions),
            published_at=at(published))
        Publication.objects.create(statement=made, version=saved[-1],
                                   version_hash=saved[-1].content_hash,
                                   published_by=made.created_by, published_at=at(published))
    return made, saved


def decide(version, stage, minutes, decision=Decision.APPROVE, decider=None):
    return ApprovalDecisionFactory(
        version=version, stage=stage, created_at=at(minutes), decision=decision,
        decider=decider or UserFactory(),
        comment="" if decision == Decision.APPROVE else "Change the date.")


def deliver(publication, group_code, statuses):
    group = StakeholderGroup.objects.get(code=group_code)
    for status in statuses:
        Delivery.objects.create(publication=publication, group=group, user=UserFactory(),
                                channel="in_app", status=status,
                                version_number=publication.version.number,
                                version_hash=publication.version_hash)


def assign(incident, code, minutes):
    RoleAssignment.objects.create(incident=incident, user=UserFactory(),
                                  role=Role.objects.get(code=code), assigned_at=at(minutes))


def build_incident(*, scale: int = 1, is_drill: bool = False):
    """The constructed incident. Spike at 08:00, alert opened 08:12 at blue, yellow from
    08:20, incident opened 08:30 at yellow, red from 09:30, orange from 11:30, closed
    13:30. ``scale`` multiplies the rows that grow with an incident (timeline notes,
    mentions, statements, deliveries, tasks) without changing the answers' shape."""
    watch = make_watch(name=f"Kettle {scale} {is_drill}")
    incident = IncidentFactory(created_at=at(30), detected_at=T0, closed_at=at(330),
                               status=IncidentStatus.CLOSED, warning_level="orange",
                               is_drill=is_drill)
    alert = Alert.objects.create(watch=watch, incident=incident, level="red",
                                 peak_level="red", status="escalated", first_mention_at=T0,
                                 opened_at=at(12))
    AlertLevelChange.objects.create(alert=alert, level="blue", at=at(12))
    AlertLevelChange.objects.create(alert=alert, level="yellow", at=at(20))
    entry(incident, TimelineKind.CREATED, 30, severity="medium", type="Other",
          warning_level="yellow")
    entry(incident, TimelineKind.ESCALATION, 90, warning_level=["yellow", "red"],
          direction="up", override=False)
    entry(incident, TimelineKind.ESCALATION, 210, warning_level=["red", "orange"],
          direction="down", override=False)
    for n in range(20 * scale):
        entry(incident, TimelineKind.NOTE, 31 + n % 200)
    # Team: lead at once, spokesperson after 30 min, legal reviewer after 45 min.
    assign(incident, "lead", 30)
    assign(incident, "spokesperson", 60)
    assign(incident, "legal_reviewer", 75)

    # Usual negative share: 10 % in the weeks before the spike.
    bucket(watch, -7 * 24 * 60, 1000, 100)
    # After the opening (08:30), per hour from 08:00: 60 %, 50 %, 12 % (inside: 10 % + 6
    # points), 30 %, 10 %: the last hour above the band is 11:00, so recovered at 12:00.
    for hour, negative in enumerate([60, 50, 12, 30, 10]):
        for minute in range(scale):
            bucket(watch, 60 * hour + 35 + minute, 100, negative)

    # S1, holding: v1 saved 08:40, submitted 08:45; legal approves 09:05 (20 min),
    # the executive stage 09:20 (15 min after legal); published 09:30.
    s1, (v1,) = statement(incident, versions=[40], rounds=[45], published=90,
                          title="We are looking into it")
    legal1 = ReviewStageFactory(statement=s1, round=1, position=1, name="Legal review")
    exec1 = ReviewStageFactory(statement=s1, round=1, position=2, name="Executive")
    decide(v1, legal1, 65)
    decide(v1, exec1, 80)
    # S2, update: v1 saved and submitted 09:40, legal asks for changes 10:10 (30 min);
    # v2 saved 10:20, submitted again 10:30: legal approves 10:40 (10 min), the
    # executive 10:50 (10 min); published 10:55.
    s2, (s2v1, s2v2) = statement(incident, kind=StatementKind.UPDATE, versions=[100, 140],
                                 rounds=[100, 150], published=175)
    legal2 = ReviewStageFactory(statement=s2, round=1, position=1, name="Legal review")
    ReviewStageFactory(statement=s2, round=1, position=2, name="Executive")
    decide(s2v1, legal2, 130, Decision.REQUEST_CHANGES)
    legal2b = ReviewStageFactory(statement=s2, round=2, position=1, name="Legal review")
    exec2b = ReviewStageFactory(statement=s2, round=2, position=2, name="Executive")
    decide(s2v2, legal2b, 160)
    decide(s2v2, exec2b, 170)
    # An internal memo published earlier (08:50) is no public statement; a draft is
    # never published.
    statement(incident, kind=StatementKind.INTERNAL_MEMO, versions=[35], published=50)
    statement(incident, kind=StatementKind.UPDATE, versions=[200])
    for n in range(scale - 1):
        statement(incident, kind=StatementKind.UPDATE, versions=[200 + n, 201 + n])

    # Deliveries of S1: customers 3 sent, 1 failed, 1 acknowledged; regulators 2 queued.
    publication = Publication.objects.get(statement=s1)
    deliver(publication, "customers", [DeliveryStatus.SENT] * 3 * scale
            + [DeliveryStatus.FAILED] * scale + [DeliveryStatus.ACKNOWLEDGED] * scale)
    deliver(publication, "regulators", [DeliveryStatus.QUEUED] * 2 * scale)

    # Tasks: on time, late, waived (not counted), done without a due time (on time),
    # still open: 2 of 4 on time.
    for _ in range(scale):
        TaskFactory(incident=incident, status=TaskStatus.DONE, due_at=at(120),
                    completed_at=at(110))
        TaskFactory(incident=incident, status=TaskStatus.DONE, due_at=at(120),
                    completed_at=at(125))
        TaskFactory(incident=incident, status=TaskStatus.WAIVED, due_at=at(120))
        TaskFactory(incident=incident, status=TaskStatus.DONE, completed_at=at(300))
        TaskFactory(incident=incident, status=TaskStatus.OPEN, due_at=at(400))
    return incident


@pytest.fixture
def incident(db):
    return build_incident()


def test_a_constructed_incident_gives_the_answers_worked_out_by_hand(incident):
    metrics = metrics_by_key(compute_metrics(incident))
    values = {key: metric.value for key, metric in metrics.items()}
    assert values == {
        "time_to_detect": 12 * 60,  # 08:00 → 08:12
        "time_to_acknowledge": 18 * 60,  # 08:12 → 08:30
        "time_to_assemble": 45 * 60,  # the legal reviewer came last, at 09:15
        "time_to_first_statement": 60 * 60,  # 08:30 → 09:30 (the 08:50 memo is internal)
        "approval_cycle": 15 * 60,  # median of 20, 30, 10 (legal) and 15, 10 (executive)
        "statements_published": 3,  # of 4: S1, S2 and the memo
        "versions_per_statement": 1.25,  # 1 + 2 + 1 + 1 over 4
        "deliveries": 7,
        "tasks_on_time": 50.0,  # 2 of the 4 not waived
        "sentiment_recovery": 3.5 * 3600,  # 08:30 → 12:00
        "peak_warning_level": 4,  # red
        "time_at_levels": 5 * 3600,  # 08:30 → 13:30
    }
    assert all(metric.missing == "" for metric in metrics.values())
    assert metrics["approval_cycle"].details == [
        {"stage": "Legal review", "count": 3, "median_seconds": 1200.0, "max_seconds": 1800.0,
         "stage_label": "Legal review", "median": "20 min", "max": "30 min"},
        {"stage": "Executive", "count": 2, "median_seconds": 750.0, "max_seconds": 900.0,
         "stage_label": "Executive", "median": "12 min", "max": "15 min"},
    ]
    assert [(row["group"], row["total"], row["sent"], row["failed"], row["acknowledged"],
             row["pending"]) for row in metrics["deliveries"].details] == [
        ("Customers", 5, 4, 1, 1, 0), ("Regulators / government", 2, 0, 0, 0, 2)]
    assert [(row["level"], row["seconds"]) for row in metrics["time_at_levels"].details] == [
        ("yellow", 3600.0), ("orange", 7200.0), ("red", 7200.0)]
    assert metrics["tasks_on_time"].details[0] == {
        "on_time": 2, "late": 1, "waived": 1, "unfinished": 1, "counted": 4}
    assert metrics["sentiment_recovery"].details[0]["usual_share"] == 0.1
    # What people read beside each figure.
    assert metrics["time_to_assemble"].display == "45 min"
    assert metrics["approval_cycle"].display == "median 15 min · longest 30 min"
    assert metrics["statements_published"].display == "3 of 4"
    assert metrics["deliveries"].display == "4 sent · 1 failed · 1 acknowledged, of 7"
    assert metrics["tasks_on_time"].display == "2 of 4 (50 %)"
    assert metrics["peak_warning_level"].display == "Red"
    assert metrics["time_at_levels"].display == "Yellow 1 h 00 min · Orange 2 h 00 min · " \
                                                "Red 2 h 00 min"
    assert all(metric.label and metric.definition.endswith(".") for metric in metrics.values())


def test_missing_data_says_why(db):
    """An incident with no alert, statement, delivery, task, warning level or team."""
    bare = IncidentFactory(created_at=T0)
    metrics = metrics_by_key(compute_metrics(bare, now=at(60)))
    assert {key: metric.missing for key, metric in metrics.items() if metric.missing} == {
        "time_to_detect": "No alert led to this incident.",
        "time_to_acknowledge": "No alert led to this incident.",
        "time_to_assemble": "The team never had an incident lead. The team never had a legal "
                            "reviewer. The team never had a spokesperson.",
        "time_to_first_statement": "No statement was published publicly.",
        "approval_cycle": "No statement version was decided at an approval stage.",
        "versions_per_statement": "No statement was drafted.",
        "deliveries": "Nothing was delivered to a stakeholder group.",
        "tasks_on_time": "The incident had no checklist tasks that were not waived.",
        "sentiment_recovery": "No alert is linked to this incident, so no mentions are known "
                              "for it.",
        "peak_warning_level": "The incident never had a warning level.",
        "time_at_levels": "The incident never had a warning level.",
    }
    assert all(metrics[key].value is None and metrics[key].display == ""
               for key in metrics if key != "statements_published")
    assert metrics["statements_published"].display == "0 of 0"


def test_no_legal_reviewer_an_alert_attached_later_and_never_recovered(db):
    watch = make_watch()
    incident = IncidentFactory(created_at=at(30), detected_at=at(30), warning_level="red")
    # The alert opened after the incident: it was attached, it did not lead to it.
    Alert.objects.create(watch=watch, incident=incident, level="red", peak_level="red",
                         status="escalated", first_mention_at=at(35), opened_at=at(40))
    assign(incident, "lead", 30)
    assign(incident, "spokesperson", 31)
    bucket(watch, -60 * 24, 500, 50)  # usual: 10 %
    bucket(watch, 45, 100, 40)  # 08:00 hour: above
    bucket(watch, 65, 100, 10)  # 09:00 hour: inside
    bucket(watch, 125, 100, 45)  # 10:00 hour, still open at 10:20: above
    metrics = metrics_by_key(compute_metrics(incident, now=at(140)))
    assert metrics["time_to_detect"].missing == "No alert led to this incident."
    assert metrics["time_to_assemble"].missing == "The team never had a legal reviewer."
    assert [(row["role"], row["seconds"]) for row in metrics["time_to_assemble"].details] == [
        ("lead", 0.0), ("legal_reviewer", None), ("spokesperson", 60.0)]
    recovery = metrics["sentiment_recovery"]
    assert (recovery.value, recovery.display, recovery.missing) == (
        None, "Not yet recovered", "The negative share had not come back inside the usual band.")
    # The incident has been red since it opened (no timeline entry: its current level).
    assert metrics["time_at_levels"].details[0]["seconds"] == 110 * 60


def test_a_drill_is_computed_as_a_real_incident(db):
    drill = metrics_by_key(compute_metrics(build_incident(is_drill=True)))
    assert drill["time_to_detect"].value == 12 * 60
    assert drill["sentiment_recovery"].value == 3.5 * 3600


def test_the_query_count_does_not_grow_with_the_incident(db):
    small, large = build_incident(), build_incident(scale=4)
    counts = []
    for incident in (small, large):
        with CaptureQueriesContext(connection) as queries:
            compute_metrics(incident)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 14
    # The larger one really is larger, and its answers keep their shape.
    large_metrics = metrics_by_key(compute_metrics(large))
    assert large_metrics["deliveries"].value == 4 * 7
    assert large_metrics["statements_published"].display == "3 of 7"


def test_frozen_metrics_read_back_in_the_readers_language(incident):
    frozen = metrics_as_json(compute_metrics(incident))
    again = metrics_from_json(frozen)
    assert [(m.key, m.value, m.display, m.missing) for m in again] == [
        (m.key, m.value, m.display, m.missing) for m in compute_metrics(incident)]
    with translation.override("zh-hant"):
        chinese = metrics_by_key(metrics_from_json(frozen))
    assert chinese["time_to_assemble"].value == 45 * 60
    assert chinese["peak_warning_level"].display == "紅色"
    assert chinese["time_at_levels"].details[0]["time"] == "1 小時 00 分"
    assert chinese["time_to_assemble"].details[0]["role_label"] == "事件負責人"
