"""The executive dashboard (``/reports/``, its PDF, ``/api/metrics/``): known counts on
constructed incidents, drills left out unless asked, only what the reader may view, the
metrics frozen at sign-off before those computed, open action items overdue first, and bad
input refused naming the field."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from crisis.choices import Confidentiality, IncidentStatus
from crisis.models import IncidentType
from crisis.services import incident_create, incident_set_auto_warning_level
from monitoring.models import Alert, Watch
from reports.dashboard import Period, dashboard_build, period_from
from reports.metrics import build_metric, metrics_as_json
from reports.models import (
    ActionItem,
    ActionItemStatus,
    PostIncidentReview,
    ReviewVersion,
)
from teams.choices import Capability
from tests.conftest import count_queries, join
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

JANUARY = {"from": "2026-01-01", "to": "2026-02-28"}


def noon(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T12:00:00+00:00")


@pytest.fixture(autouse=True)
def no_cached_metrics():
    cache.clear()  # computed metrics are kept under the incident's id and last change


@pytest.fixture
def executive(db):
    return join(UserFactory(username="executive"), Capability.EXECUTIVE)


@pytest.fixture
def types(db):
    return {code: IncidentType.objects.get(code=code)
            for code in ("product_quality", "service_failure")}


@pytest.fixture
def period_incidents(lead, types):
    """Four incidents detected in January and February 2026 an executive may view (one a
    drill), one the day before, one confidential, one merged into another."""
    def opened(title, kind, severity, day, **extra):
        return incident_create(actor=lead, title=title, type=types[kind], severity=severity,
                               detected_at=noon(day), **extra)

    recall = opened("Battery recall", "product_quality", "high", "2026-01-10",
                    warning_level="yellow")
    incident_set_auto_warning_level(incident=recall, level="red", reason="Spike")
    incident_set_auto_warning_level(incident=recall, level="", reason="Calm")  # back to yellow
    opened("Label typo", "product_quality", "low", "2026-01-20")
    outage = opened("Login outage", "service_failure", "critical", "2026-02-05",
                    warning_level="orange")
    opened("Outage drill", "service_failure", "medium", "2026-02-10", is_drill=True)
    opened("New Year glitch", "service_failure", "low", "2025-12-31")
    opened("Board leak", "product_quality", "high", "2026-01-15",
           confidentiality=Confidentiality.CONFIDENTIAL)
    IncidentFactory(title="Outage duplicate", type=types["service_failure"],
                    detected_at=noon("2026-02-06"), status=IncidentStatus.CLOSED,
                    merged_into=outage)
    return recall


def _counts(rows, name):
    return {row[name]: row["count"] for row in rows}


def test_counts_by_type_severity_and_peak_level_over_the_period(api_client, executive,
                                                                 period_incidents):
    api_client.force_authenticate(executive)

    body = api_client.get(reverse("api:metrics"), JANUARY).json()

    assert (body["from"], body["to"], body["drills"]) == ("2026-01-01", "2026-02-28", False)
    assert (body["incidents"], body["drills_left_out"]) == (3, 1)
    assert _counts(body["by_type"], "type") == {"product_quality": 2, "service_failure": 1}
    assert _counts(body["by_severity"], "severity") == {"critical": 1, "high": 1, "medium": 0,
                                                       "low": 1}
    assert _counts(body["by_peak_level"], "level") == {"red": 1, "orange": 1, "yellow": 0,
                                                       "blue": 0, "": 1}
    assert [(m["month"], m["incidents"]) for m in body["months"]] == [("2026-01", 2),
                                                                      ("2026-02", 1)]
    assert [row["title"] for row in body["incident_list"]] == [
        "Login outage", "Label typo", "Battery recall"]

    with_drills = api_client.get(reverse("api:metrics"), {**JANUARY, "drills": "1"}).json()
    assert (with_drills["incidents"], with_drills["drills_left_out"]) == (4, 0)
    assert _counts(with_drills["by_type"], "type")["service_failure"] == 2


def test_only_incidents_the_reader_may_view_are_counted(client, executive, period_incidents):
    admin = UserFactory(username="admin", is_superuser=True)
    assert dashboard_build(user=admin, period=period_from(JANUARY)).total == 4

    client.force_login(executive)
    page = client.get(reverse("reports-dashboard"), JANUARY)

    assert page.status_code == 200
    assert "Battery recall" in page.content.decode()
    assert "Board leak" not in page.content.decode()
    assert page.context["dashboard"].total == 3


def _signed_off(incident, **seconds):
    review = PostIncidentReview.objects.create(incident=incident)
    ReviewVersion.objects.create(
        review=review, number=1, signed_off_at=timezone.now(),
        metrics=metrics_as_json([build_metric(key, value) for key, value in seconds.items()]))


def test_trend_takes_signed_off_metrics_then_computes_the_rest(executive, types):
    frozen = IncidentFactory(detected_at=noon("2026-01-05"), type=types["product_quality"])
    _signed_off(frozen, time_to_acknowledge=600.0)
    computed = IncidentFactory(detected_at=noon("2026-01-25"), created_at=noon("2026-01-25"),
                               type=types["product_quality"])
    Alert.objects.create(watch=Watch.objects.create(name="Kettles", include_terms=["kettle"]),
                         incident=computed, level="orange", peak_level="orange",
                         first_mention_at=noon("2026-01-25") - dt.timedelta(minutes=25),
                         opened_at=noon("2026-01-25") - dt.timedelta(minutes=20))
    later = IncidentFactory(detected_at=noon("2026-02-02"), type=types["product_quality"])
    PostIncidentReview.objects.create(incident=later)  # a draft: nothing frozen yet

    board = dashboard_build(user=executive, period=period_from(JANUARY))

    january, february = board.months
    assert january.medians["time_to_acknowledge"].seconds == 900  # of 600 and 1,200
    assert january.medians["time_to_acknowledge"].measured == 2
    assert january.medians["time_to_detect"].seconds == 300  # the computed one only
    assert february.incidents == 1 and february.medians["time_to_acknowledge"].seconds is None
    assert dict((m.key, v.display) for m, v in board.overall_cells)["time_to_acknowledge"] \
        == "15 min"
    assert {row.incident.pk: row.review_state for row in board.incidents} == {
        frozen.pk: "signed_off", computed.pk: "", later.pk: "draft"}


def test_the_work_stays_flat_with_more_incidents_once_computed(executive, types):
    def build():
        return dashboard_build(user=executive, period=period_from(JANUARY))

    for day in ("2026-01-03", "2026-01-04"):
        _signed_off(IncidentFactory(detected_at=noon(day), type=types["product_quality"]),
                    time_to_acknowledge=60.0)
        IncidentFactory(detected_at=noon(day), type=types["service_failure"])
    build()  # computes the two without a signed-off review
    few = count_queries(build)
    for day in ("2026-02-03", "2026-02-04", "2026-02-05"):
        _signed_off(IncidentFactory(detected_at=noon(day), type=types["product_quality"]),
                    time_to_acknowledge=60.0)
        IncidentFactory(detected_at=noon(day), type=types["service_failure"])
    build()

    assert count_queries(build) == few


def test_a_request_computes_metrics_within_its_budget_the_pdf_all(client, executive, types,
                                                                  monkeypatch):
    monkeypatch.setattr("reports.dashboard.COMPUTE_BUDGET_SECONDS", 0)  # one a request
    for day in ("2026-01-03", "2026-01-04", "2026-01-05"):
        IncidentFactory(detected_at=noon(day), type=types["product_quality"])
    client.force_login(executive)

    def page(**more):
        return client.get(reverse("reports-dashboard"), {**JANUARY, **more})

    first = page()
    assert first.context["dashboard"].metrics_pending == 2
    assert 'hx-trigger="load delay:1s"' in first.content.decode()  # it asks again
    stuck = page(pending="1")  # no fewer pending than the page that asked: it stops asking
    assert stuck.context["dashboard"].metrics_pending == 1
    assert "hx-trigger" not in stuck.content.decode()
    assert page().context["dashboard"].metrics_pending == 0
    cache.clear()
    board = dashboard_build(user=executive, period=period_from(JANUARY), complete=True)
    assert board.metrics_pending == 0


def test_open_action_items_overdue_first_without_finished_drill_or_hidden_ones(
        executive, lead, types):
    today = timezone.localdate()

    def item(title, due_in_days, status=ActionItemStatus.OPEN, **incident):
        review, _ = PostIncidentReview.objects.get_or_create(
            incident=IncidentFactory(type=types["product_quality"], **incident))
        return ActionItem.objects.create(review=review, title=title, owner=lead,
                                         created_by=lead, status=status,
                                         due_on=today + dt.timedelta(days=due_in_days))

    item("Update the recall playbook", 10)
    item("Add a watch for the X2", -3, status=ActionItemStatus.IN_PROGRESS)
    item("Done already", -5, status=ActionItemStatus.DONE)
    item("From the drill", -1, is_drill=True)
    item("Hidden", -2, confidentiality=Confidentiality.CONFIDENTIAL)

    board = dashboard_build(user=executive, period=period_from({}))

    assert [i.title for i in board.action_items] == ["Add a watch for the X2",
                                                     "Update the recall playbook"]
    assert (board.action_items_open, board.action_items_overdue) == (2, 1)
    with_drills = dashboard_build(user=executive, period=period_from({"drills": "1"}))
    assert with_drills.action_items[0].title == "Add a watch for the X2"
    assert (with_drills.action_items_open, with_drills.action_items_overdue) == (3, 2)


def test_period_defaults_to_the_last_twelve_months():
    today = dt.date(2026, 11, 27)
    assert period_from({}, today=today) == Period(dt.date(2025, 12, 1), today)
    assert period_from({"to": "2026-03-15"}, today=today) == Period(
        dt.date(2025, 4, 1), dt.date(2026, 3, 15))
    assert period_from({"from": "2026-11-01", "drills": "1"}, today=today) == Period(
        dt.date(2026, 11, 1), today, drills=True)
    assert len(period_from({}, today=today).months()) == 12


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "last tuesday"}, "from"),
    ({"to": "2026-02-30"}, "to"),
    ({"from": "2026-03-01", "to": "2026-02-01"}, "from"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),  # more than 36 months
    ({"from": "0001-01-01"}, "from"),
    ({"drills": "maybe"}, "drills"),
])
def test_bad_input_is_a_400_naming_the_field(api_client, client, executive, query, field):
    api_client.force_authenticate(executive)
    answer = api_client.get(reverse("api:metrics"), query)
    assert answer.status_code == 400
    assert list(answer.json()) == [field]

    client.force_login(executive)
    page = client.get(reverse("reports-dashboard"), query)
    assert page.status_code == 400
    assert answer.json()[field][0] in page.content.decode().replace("&#x27;", "'")
    assert f'id="id_{field}_error"' in page.content.decode()


def test_page_and_pdf_are_for_those_who_may_see_reports_and_named_in_the_nav(
        client, executive, tmp_path, period_incidents):
    outsider = UserFactory(username="outsider")
    client.force_login(outsider)
    assert client.get(reverse("reports-dashboard")).status_code == 403
    assert reverse("reports-dashboard") not in client.get(reverse("home")).content.decode()

    client.force_login(executive)
    assert reverse("reports-dashboard") in client.get(reverse("home")).content.decode()
    answer = client.get(reverse("reports-dashboard-pdf"), JANUARY)

    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils is missing: scripts/test installs it (apt-get).")
    path = tmp_path / "report.pdf"
    path.write_bytes(answer.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "Incidents from Jan. 1, 2026 to Feb. 28, 2026" in text
    assert period_incidents.reference in text and "Battery" in text
    assert "Board leak" not in text
    assert "Drills are left out (1 in this period)." in " ".join(text.split())
