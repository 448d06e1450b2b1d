"""The analyst's journey on the alert board, in real Chromium against a live server: she
watches the board while a script sends a storm through the bulk API; the red alert slides
in without a reload; one click opens an incident from it, whose room shows the evidence
and the watch's chart."""

import datetime
import json
import urllib.request

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from crisis.permissions import ADD_INCIDENT
from monitoring.permissions import CHANGE_ALERT, VIEW_ALERT, VIEW_MENTION
from tests.e2e.conftest import off_the_event_loop, person, sign_in
from tests.monitoring.timelines import ordinary_watch

INGEST = "monitoring.ingest_mention"
STORM_MINUTES = 12
PER_MINUTE = 20
COMPLAINTS = ["The X2 power bank exploded in my bag, this is dangerous and awful",
              "My X2 overheated and burned my desk. Terrible, never again",
              "X2 charger smoking on the train, scary and unacceptable",
              "Worst purchase ever: the X2 melted while charging. Disgusting"]


def storm(now: datetime.datetime) -> list[dict]:
    """Negative posts about the X2, PER_MINUTE a minute over the last STORM_MINUTES
    minutes (each author 20K followers: a million reached every five minutes), the last by
    an account with 2.1M followers."""
    items = []
    last = STORM_MINUTES * PER_MINUTE - 1
    for i in range(last + 1):
        posted = now - datetime.timedelta(minutes=STORM_MINUTES) + datetime.timedelta(
            seconds=i * 60 // PER_MINUTE)
        items.append({"platform": "x", "external_id": f"storm-{i}",
                      "author_handle": "@bigaccount" if i == last else f"@angry{i}",
                      "author_followers": 2_100_000 if i == last else 20_000,
                      "text": COMPLAINTS[i % len(COMPLAINTS)], "language": "en",
                      "url": f"https://x.example/status/{i}",
                      "posted_at": posted.isoformat()})
    return items


def post_bulk(server: str, token: str, items: list[dict]) -> dict:
    request = urllib.request.Request(  # noqa: S310 (the live server on loopback)
        f"{server}/api/mentions/bulk/", data=json.dumps(items).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


@pytest.fixture
def quiet_watch(transactional_db):
    """A week of ordinary chatter about the X2 (about one mention a minute)."""
    return off_the_event_loop(lambda: ordinary_watch("X2 power bank", include_terms=["X2"],
                                                     end=timezone.now(), days=3))


def test_a_storm_appears_live_and_becomes_an_incident_with_its_evidence(
        new_page, asgi_live_server, quiet_watch):
    analyst = person("analyst", VIEW_ALERT, CHANGE_ALERT, VIEW_MENTION, ADD_INCIDENT)
    robot = person("ingest-robot", INGEST)
    token = off_the_event_loop(lambda: Token.objects.create(user=robot).key)
    page = new_page()
    sign_in(page, analyst.username, next_path="/monitoring/")
    expect(page.locator("#no-alerts")).to_be_visible()
    expect(page.locator("html[data-live=open]")).to_be_attached()

    result = post_bulk(asgi_live_server, token, storm(timezone.now()))
    assert result["created"] == STORM_MINUTES * PER_MINUTE, result

    red = page.locator("#alert-board .cd-alert-red")
    expect(red).to_be_visible(timeout=15_000)  # no reload: the board redrew itself
    expect(red).to_contain_text("X2 power bank")
    expect(red).to_contain_text("negative")
    expect(page.locator("#no-alerts")).to_have_count(0)

    red.get_by_role("button", name="Open an incident").click()
    expect(page.locator("#incident-room")).to_be_visible()
    evidence = page.locator("#evidence-panel")
    expect(evidence).to_contain_text("X2 power bank")
    expect(evidence).to_contain_text("@bigaccount")
    expect(evidence.locator("canvas")).to_be_visible()  # the watch's chart, drawn
    expect(page.locator("#room-header")).to_contain_text("Red")


def _board_with_an_escalated_alert():
    """A watch with a day of chatter, an open red alert with evidence, an acknowledged
    yellow one, and an alert escalated into an incident (whose room has the Evidence panel)."""
    from tests.monitoring.helpers import make_alert, make_mention, make_watch

    watch = ordinary_watch("X2 power bank", include_terms=["X2"], end=timezone.now(), days=1)
    other = make_watch("CEO Lin", include_terms=["Lin"])
    evidence = [make_mention(watch, text=text, author_handle=handle, author_followers=followers,
                             reach=followers, sentiment_label="negative", language=language,
                             url="https://x.example/1")
                for text, handle, followers, language in (
                    ("X2 行動電源在充電時冒煙，大家小心", "@bigaccount", 2_100_000, "zh-Hant"),
                    ("My X2 melted on the train.", "@mia", 1_200, "en"))]
    signals = [{"code": "volume_ratio", "value": 6.2, "threshold": 3, "hour_of_week": 153},
               {"code": "negative_share", "value": 0.71, "threshold": 0.5}]
    red = make_alert(watch, level="red", levels=["yellow", "orange", "red"], evidence=evidence,
                     signals=signals, top_terms=["melted", "冒煙"],
                     top_platforms=[{"platform": "x", "count": 12}])
    make_alert(other, level="yellow", status="acknowledged")
    escalated = make_alert(watch, level="orange", evidence=evidence, signals=signals)
    return red, escalated


def test_the_board_alert_page_and_evidence_panel_are_accessible_and_fit_a_phone(new_context,
                                                                                  transactional_db):
    from monitoring.alerts import alert_escalate
    from tests.e2e.test_pages import axe_violations, overflowing

    analyst = person("analyst", VIEW_ALERT, CHANGE_ALERT, VIEW_MENTION, ADD_INCIDENT)
    red, escalated = off_the_event_loop(_board_with_an_escalated_alert)
    incident = off_the_event_loop(
        lambda: alert_escalate(actor=analyst, alert=escalated).incident)
    paths = ["/monitoring/", f"/monitoring/alerts/{red.pk}/", incident.get_absolute_url()]
    found = {}
    for viewport in ({"width": 1280, "height": 900}, {"width": 375, "height": 812}):
        page = new_context().new_page()
        page.set_viewport_size(viewport)
        sign_in(page, analyst.username, next_path="/monitoring/")
        for path in paths:
            page.goto(path)
            expect(page.locator("#main")).to_be_visible()
            if path == "/monitoring/" or path == incident.get_absolute_url():
                expect(page.locator(".cd-chart canvas").first).to_be_visible()
            problems = overflowing(page)
            if viewport["width"] > 1000:  # accessibility does not change with the width
                problems += axe_violations(page)
            if problems:
                found[f"{path} at {viewport['width']} px"] = problems
    assert not found, "\n".join(f"{where}:\n    " + "\n    ".join(lines)
                                for where, lines in found.items())


def test_the_charts_legend_reads_in_the_pages_language(new_context, transactional_db):
    """uPlot's own legend says "Time" and writes the time the American way; the board's says
    the page's word for it and the time in the page's language."""
    analyst = person("analyst", VIEW_ALERT, CHANGE_ALERT, VIEW_MENTION)
    off_the_event_loop(lambda: ordinary_watch("X2 power bank", include_terms=["X2"],
                                              end=timezone.now(), days=1))
    context = new_context()
    context.set_extra_http_headers({"Accept-Language": "zh-TW"})
    page = context.new_page()
    sign_in(page, analyst.username, next_path="/monitoring/")
    chart = page.locator(".cd-chart").first
    canvas = chart.locator("canvas")
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2)
    time_label = chart.locator(".u-legend .u-series").first
    expect(time_label.locator(".u-label")).to_have_text(chart.get_attribute("data-label-time"))
    expect(time_label.locator(".u-value")).to_contain_text("週")  # 週四 下午9:30
