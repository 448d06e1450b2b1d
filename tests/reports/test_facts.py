"""The facts of a review, on the constructed incident of test_metrics (answers by hand)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from comms.choices import Decision
from crisis.choices import TimelineKind
from reports import facts
from reports.facts import (
    approval_cycles,
    bucket_minutes_for,
    impact,
    key_moments,
    statement_history,
    suggested_summary,
    volume_series,
)
from reports.metrics import compute_metrics
from reports.series import LevelBand, StageCycle, StatementMarker
from reports.words import word_count
from tests.crisis.factories import IncidentFactory
from tests.reports.test_metrics import T0, at, bucket, build_incident, entry


@pytest.fixture
def incident(db):
    return build_incident()


def test_key_moments_put_pinned_entries_first_then_what_mattered_in_time_order(incident):
    pinned = entry(incident, TimelineKind.NOTE, 200)
    type(pinned).objects.filter(pk=pinned.pk).update(pinned=True)
    decision = entry(incident, TimelineKind.DECISION, 100)
    published = entry(incident, TimelineKind.STATEMENT, 90, action="published", statement=1,
                      published=True)
    entry(incident, TimelineKind.STATEMENT, 50, action="published", statement=2,
          published=False)  # the internal memo
    created, up, down = (incident.timeline.get(kind=kind, created_at=at(minutes))
                         for kind, minutes in [(TimelineKind.CREATED, 30),
                                               (TimelineKind.ESCALATION, 90),
                                               (TimelineKind.ESCALATION, 210)])
    assert key_moments(incident) == [pinned, created, up, published, decision, down]
    # Too many: the pinned ones stay, then decisions and key moments, then escalations.
    assert key_moments(incident, limit=2) == [pinned, up, decision]


def test_statement_history_says_who_approved_which_version_when(incident):
    history = statement_history(incident)
    assert [record.statement.title for record in history] == [
        "internal_memo statement", "We are looking into it", "update statement",
        "update statement"]
    holding, update = history[1], history[2]
    (v1,) = holding.versions
    assert v1.published and holding.is_public and holding.published_at == at(90)
    assert [(d.stage, d.decision, d.at) for d in v1.approvals] == [
        ("Legal review", Decision.APPROVE, at(65)), ("Executive", Decision.APPROVE, at(80))]
    first, second = update.versions
    assert (first.number, first.saved_at, first.published) == (1, at(100), False)
    assert [(d.decision_label, d.comment) for d in first.decisions] == [
        ("Request changes", "Change the date.")]
    assert [d.at for d in second.approvals] == [at(160), at(170)] and second.published


def test_impact_before_during_and_after(incident):
    watch = incident.alerts.get().watch
    bucket(watch, -60, 200, 20)  # 07:00, the day before detection: 10 % negative
    bucket(watch, 360, 100, 5)  # 14:00, after closing at 13:30
    facts = impact(incident, now=at(24 * 60))
    assert facts["watches"] == [watch.name]
    before, during, after = facts["before"], facts["during"], facts["after"]
    assert (before["mentions"], before["negative_share"], before["hours"]) == (200, 0.1, 24)
    # 08:00-13:30: five hours of 100 mentions, 60 + 50 + 12 + 30 + 10 negative.
    assert (during["mentions"], during["negative"], during["reach"]) == (500, 162, 5000)
    assert (facts["mentions"], facts["reach"], during["negative_share"]) == (500, 5000, 0.324)
    assert (after["mentions"], after["negative"], after["hours"]) == (100, 5, 18.5)
    assert facts["peak_hour"] == {"start": datetime(2026, 11, 2, 8, tzinfo=UTC),
                                  "mentions": 100}
    assert [group["group"] for group in facts["groups_reached"]] == ["Customers"]
    with translation.override("zh-hant"):
        assert impact(incident)["groups_reached"][0]["group"] == "客戶"
    open_incident = IncidentFactory(detected_at=T0, created_at=T0)
    assert impact(open_incident, now=at(60))["after"] is None


def test_volume_series_fits_the_incident_in_at_most_200_points(incident):
    watch = incident.alerts.get().watch
    bucket(watch, -60, 200, 20)  # 07:00, in the hour drawn before the spike
    series = volume_series(incident)
    # 07:00 (an hour before the spike) to 13:30: 390 minutes in points of 2 minutes.
    assert series.bucket_minutes == 2
    assert len(series.points) == 195
    assert (series.points[0].at, series.points[-1].at) == (at(-60), at(328))
    assert sum(p.mentions for p in series.points) == 700
    assert sum(p.negative for p in series.points) == 182
    # The alert's levels until the incident opened at 08:30, then the incident's.
    assert series.bands == [
        LevelBand(at(12), at(20), "blue"), LevelBand(at(20), at(90), "yellow"),
        LevelBand(at(90), at(210), "red"), LevelBand(at(210), at(330), "orange")]
    assert series.markers == [StatementMarker(at(90), "We are looking into it"),
                              StatementMarker(at(175), "update statement")]
    no_alert = IncidentFactory(detected_at=T0, created_at=T0, closed_at=at(60),
                               warning_level="blue")
    empty = volume_series(no_alert)
    assert empty.is_empty and empty.bands == [LevelBand(T0, at(60), "blue")]


@pytest.mark.parametrize(("span", "minutes"), [
    (timedelta(hours=1), 1), (timedelta(days=3), 30), (timedelta(days=60), 720)])
def test_the_bucket_width_keeps_a_chart_under_200_points(span, minutes):
    assert bucket_minutes_for(span) == minutes


def test_approval_cycles_per_stage(incident):
    assert approval_cycles(incident) == [StageCycle("Legal review", [20.0, 30.0, 10.0]),
                                         StageCycle("Executive", [15.0, 10.0])]


def test_facts_read_in_a_fixed_number_of_queries(db):
    counts = []
    for incident in (build_incident(), build_incident(scale=3)):
        with CaptureQueriesContext(connection) as queries:
            key_moments(incident)
            statement_history(incident)
            impact(incident)
            volume_series(incident)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_suggested_summary_is_written_from_the_facts(incident, monkeypatch):
    watch = incident.alerts.get().watch
    bucket(watch, -60, 200, 20)
    summary = suggested_summary(incident, compute_metrics(incident))
    assert summary.startswith(f"{incident.reference} “{incident.title}” (Other, severity "
                              "Medium) was detected on ")
    for sentence in (
            "Its warning level peaked at Red.",
            "The alert came 12 min after the first mention of the spike, and the incident was "
            "opened 18 min after the alert.",
            "While it lasted its watches saw 500 mentions reaching about 5,000 people; 32 % "
            "were negative, against 10 % in the day before.",
            "The first public statement went out 1 h 00 min after the incident was opened; "
            "3 of 4 statements were published.",
            "Negative sentiment was back to its usual level 3 h 30 min after the incident was "
            "opened.",
            "Checklist tasks done on time: 2 of 4 (50 %)."):
        assert sentence in summary
    assert "drill" not in summary and word_count(summary) <= 200
    # Longer than the limit: the last sentences are left out.
    monkeypatch.setattr(facts, "SUMMARY_MAX_WORDS", 40)
    short = suggested_summary(incident, compute_metrics(incident))
    assert summary.startswith(short) and short.endswith(".") and word_count(short) <= 40


def test_the_summary_of_a_bare_drill_says_what_is_missing_in_the_active_language(db):
    drill = IncidentFactory(detected_at=T0, created_at=T0, is_drill=True)
    summary = suggested_summary(drill, compute_metrics(drill, now=at(60)), now=at(60))
    assert "It was a drill." in summary
    assert "No statement was published publicly." in summary
    assert "The team never had a legal reviewer." in summary
    with translation.override("zh-hans"):
        chinese = suggested_summary(drill, compute_metrics(drill, now=at(60)), now=at(60))
    assert "2026年11月2日" in chinese and word_count(chinese) <= 200

