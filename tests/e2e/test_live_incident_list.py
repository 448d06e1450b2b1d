"""The incident list is live: an incident opened by the lead appears on everyone's list."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from crisis.models import Incident, IncidentType
from crisis.permissions import MANAGE_INCIDENT, can_create_incident
from crisis.services import incident_create
from tests.conftest import grant
from tests.e2e.conftest import at_path, off_the_event_loop, sign_in
from tests.teams.factories import PASSWORD, UserFactory

SHOTS = Path("/tmp/shots")  # outside the repository on purpose
TITLE = "Battery swelling videos spread"
SUMMARY = "Three clips of swollen X2 batteries are trending; one has 400k views."


def screenshot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"e2e-{name}.png", full_page=True)


def watch_incident_list(page: Page, username: str) -> None:
    """Sign in and wait until the list's websocket is open, so no frame can be missed."""
    sign_in(page, username)
    expect(page.locator("html")).to_have_attribute("data-live", "open")


def test_an_opened_incident_appears_on_another_users_list_without_reload(new_page, lead):
    lead = grant(lead, MANAGE_INCIDENT)
    comms = UserFactory(username="comms")
    assert not can_create_incident(comms)

    # B, the comms officer, already has the (empty) list open.
    watcher = new_page()
    watch_incident_list(watcher, comms.username)
    expect(watcher.get_by_role("link", name="New incident")).to_have_count(0)
    expect(watcher.locator("#incident-rows .cd-empty-row")).to_have_count(1)
    watcher.evaluate("window.__noReload = 1")

    # A, the crisis lead, opens an incident through the form.
    author = new_page()
    sign_in(author, lead.username, next_path="/incidents/new/")
    author.fill("#id_title", TITLE)
    author.get_by_label("Type").select_option(label="Product quality / safety")
    author.fill("#id_summary", SUMMARY)
    internal = author.get_by_role("radio", name="Internal", exact=True)
    author.locator("label", has=internal).click()
    expect(internal).to_be_checked()
    # The radio itself sits under its styled label, so pick it the way a person does.
    high = author.get_by_role("radio", name=re.compile(r"^High"))
    author.locator("label", has=high).click()
    expect(high).to_be_checked()
    author.get_by_role("button", name="Open incident").click()

    expect(author).to_have_url(re.compile(r"^https?://[^/]+/incidents/\d+/$"))
    incident = Incident.objects.get(title=TITLE)
    expect(author).to_have_url(at_path(f"/incidents/{incident.pk}/"))
    assert incident.created_by == lead
    assert incident.severity == "high"
    assert incident.type.code == "product_quality"
    assert incident.origin == "internal"
    expect(author.locator("#incident-title")).to_have_text(TITLE)
    expect(author.get_by_role("alert")).to_contain_text(f"{incident.reference} is open")

    # B sees it arrive at the top of the list, highlighted, with no reload.
    row = watcher.locator(f"#incident-{incident.pk}")
    expect(row).to_be_visible(timeout=5_000)
    expect(watcher.locator("#incident-rows > tr").first).to_have_id(f"incident-{incident.pk}")
    expect(row).to_have_class(re.compile(r"\bcd-fresh\b"))
    expect(row).to_contain_text("INC-")
    expect(row).to_contain_text(incident.reference)
    expect(row.get_by_role("link", name=TITLE)).to_have_attribute(
        "href", f"/incidents/{incident.pk}/"
    )
    expect(watcher.locator("#incident-rows .cd-empty-row")).to_have_count(0)
    assert watcher.evaluate("window.__noReload") == 1
    screenshot(watcher, "live-row")

    # A change to a listed incident redraws its row in place.
    author.goto(f"/incidents/{incident.pk}/escalate/")
    author.get_by_label("Warning level", exact=True).select_option("red")
    author.get_by_label("Reason").fill("Trending nationally")
    author.get_by_role("button", name="Change it").click()
    expect(author).to_have_url(at_path(f"/incidents/{incident.pk}/"))
    expect(row.locator("td:nth-child(2) .cd-level-red")).to_have_text("Warning level: Red")
    assert watcher.evaluate("window.__noReload") == 1


def test_anonymous_visitor_is_sent_to_sign_in_and_back(new_page, outsider):
    page = new_page()
    page.goto("/incidents/")
    expect(page).to_have_url(at_path("/accounts/login/", "next=/incidents/"))
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator("#incident-rows")).to_have_count(0)

    page.fill("#id_username", outsider.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(at_path("/incidents/"))
    expect(page.locator("#incident-rows")).to_be_attached()


def test_live_status_banner_is_hidden_while_connected(new_page, outsider):
    page = new_page()
    watch_incident_list(page, outsider.username)
    assert page.evaluate("document.documentElement.dataset.live") == "open"
    expect(page.locator("#live-status")).to_be_hidden()
    screenshot(page, "connected")


def escalate(page: Page, incident: Incident, reason: str, **change: str) -> None:
    """Change severity or warning level through the page, as the lead does."""
    page.goto(f"/incidents/{incident.pk}/escalate/")
    for field, value in change.items():
        page.locator(f"select[name={field}]").select_option(value)
    page.locator("textarea[name=reason]").fill(reason)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(at_path(f"/incidents/{incident.pk}/"))


def test_a_live_change_keeps_the_list_most_urgent_first(new_page, lead):
    """Escalated (or eased) on another screen, a listed incident moves to where the list's
    order puts it, as a reload would show it, but never while the reader points at the
    list; a newly opened one is placed the same way."""
    lead = grant(lead, MANAGE_INCIDENT)
    incident_type = IncidentType.objects.filter(is_active=True).first()
    critical, high, low = off_the_event_loop(lambda: [
        incident_create(actor=lead, title=title, type=incident_type, severity=severity)
        for title, severity in (("Outage rumours", "critical"), ("Billing complaint", "high"),
                                ("Typo in an advert", "low"))])
    page = new_page()
    watch_incident_list(page, lead.username)
    author = new_page()
    sign_in(author, lead.username)
    rows = page.locator("#incident-rows > tr")

    def order() -> list[int]:
        return [int(i) for i in rows.evaluate_all("rows => rows.map(row => row.dataset.incident)")]

    assert order() == [critical.pk, high.pk, low.pk]
    page.mouse.move(0, 0)  # not over the list (the sign-in click left the pointer there)

    # The low one is raised to a red warning level: now the most urgent of all.
    escalate(author, low, "Trending nationally", warning_level="red")
    expect(rows.first).to_have_id(f"incident-{low.pk}")
    expect(rows.first.locator("td:nth-child(2) .cd-level-red")).to_be_visible()
    assert order() == [low.pk, critical.pk, high.pk]

    # The critical one is eased to medium: below the high one now, but not while the reader
    # points at the list (nothing moves under the pointer).
    rows.first.hover()
    escalate(author, critical, "Rumours denied by the operator", severity="medium")
    expect(page.locator(f"#incident-{critical.pk} td:nth-child(3) .cd-sev-medium")).to_be_visible()
    page.wait_for_timeout(200)
    assert order() == [low.pk, critical.pk, high.pk]
    page.mouse.move(0, 0)
    expect(rows.nth(2)).to_have_id(f"incident-{critical.pk}")
    assert order() == [low.pk, high.pk, critical.pk]

    # A new incident takes its place in the order too, not the top by default.
    author.goto("/incidents/new/")
    author.fill("#id_title", "Driver late again")
    author.get_by_label("Type").select_option(label=incident_type.name)
    author.locator("label", has=author.get_by_role("radio", name="Internal", exact=True)).click()
    author.locator("label", has=author.get_by_role("radio", name=re.compile(r"^Low"))).click()
    author.get_by_role("button", name="Open incident").click()
    newest = Incident.objects.get(title="Driver late again")
    expect(rows).to_have_count(4)
    expect(rows.last).to_have_id(f"incident-{newest.pk}")
    assert order() == [low.pk, high.pk, critical.pk, newest.pk]

    page.reload()
    assert order() == [low.pk, high.pk, critical.pk, newest.pk]
