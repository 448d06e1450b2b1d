"""The bell in the browser: the lead gives Mei a task in the incident room; Mei, signed in
elsewhere on another page, sees her bell count go up without reloading, hears it announced,
and finds it in the dropdown, in English and in Traditional Chinese."""

from playwright.sync_api import Page, expect

from crisis import services
from crisis.models import IncidentType
from crisis.permissions import ADD_INCIDENT, CONTRIBUTE, MANAGE_INCIDENT
from teams.models import Notification
from tests.conftest import grant
from tests.e2e.conftest import sign_in
from tests.e2e.test_incident_room import off_the_event_loop, open_room, screenshot, task_item
from tests.teams.factories import UserFactory


def assign(page: Page, title: str, person: str) -> None:
    """Give the task to ``person`` from the room's checklist."""
    item = task_item(page, title)
    item.locator("summary").click()
    item.locator("select[name=owner]").select_option(label=person)
    item.get_by_role("button", name="Assign").click()


def bell(page: Page):
    return page.locator("#notification-bell")


def test_a_task_given_to_mei_rings_her_bell_live(new_page):
    # Off the event loop: granting rights tells open sockets after commit (async_to_sync).
    lead = off_the_event_loop(lambda: grant(UserFactory(username="lead"), ADD_INCIDENT,
                                            MANAGE_INCIDENT, CONTRIBUTE))
    mei = UserFactory(username="mei", first_name="Mei", last_name="Chen")
    incident = off_the_event_loop(lambda: services.incident_create(
        actor=lead, title="Counterfeit batch rumour", severity="medium",
        type=IncidentType.objects.get(code="product_quality")))
    for title in ("Call the regulator", "Brief customer service"):
        off_the_event_loop(lambda title=title: services.task_create(
            actor=lead, incident=incident, title=title))

    # Mei works on her home page; her bell is open to the stream and shows nothing unread.
    watcher = new_page()
    script_errors = []
    watcher.on("pageerror", lambda error: script_errors.append(error))
    sign_in(watcher, mei.username, next_path="/")
    expect(watcher.locator("html")).to_have_attribute("data-live", "open")
    count = bell(watcher).locator("[data-unread-count]")
    expect(count).to_be_hidden()

    lead_page = new_page()
    open_room(lead_page, lead.username, incident)
    assign(lead_page, "Call the regulator", "Mei Chen")

    expect(count).to_have_text("1")  # nothing reloads the page: only the stream brings it
    expect(count).to_be_visible()
    toggle = bell(watcher).locator(".cd-bell-toggle")
    expect(toggle).to_have_attribute("aria-label", "Notifications, 1 unread")
    expect(bell(watcher).locator("[data-notification-announcer]")).to_contain_text(
        "New notification: Task for you on")
    toggle.click()
    item = bell(watcher).locator(".cd-notification.is-unread").first
    expect(item).to_contain_text("Call the regulator")
    expect(item).to_contain_text("Task assigned to you")
    screenshot(watcher, "notifications-bell-en")

    # In Traditional Chinese (saved as her language): the next one arrives the same way.
    watcher.keyboard.press("Escape")
    watcher.locator('.cd-lang button[value="zh-hant"]').click()
    expect(watcher.locator("html")).to_have_attribute("lang", "zh-hant")
    expect(watcher.locator("html")).to_have_attribute("data-live", "open")
    assign(lead_page, "Brief customer service", "Mei Chen")
    expect(count).to_have_text("2")
    bell(watcher).locator(".cd-bell-toggle").click()
    newest = bell(watcher).locator(".cd-notification").first
    expect(newest).to_contain_text("Brief customer service")
    expect(newest).to_contain_text("有任務指派給您")
    screenshot(watcher, "notifications-bell-zh-hant")

    # Following it marks it read and opens the room.
    newest.click()
    expect(watcher.locator("h1")).to_contain_text("Counterfeit batch rumour")
    expect(bell(watcher).locator("[data-unread-count]")).to_have_text("1")
    mei.refresh_from_db()
    assert mei.language == "zh-hant"
    assert Notification.objects.filter(recipient=mei, read_at__isnull=True).count() == 1

    # Mark all read from the bell: the count goes away without leaving the page.
    bell(watcher).locator(".cd-bell-toggle").click()
    bell(watcher).locator("[data-mark-all-button]").click()
    expect(bell(watcher).locator("[data-unread-count]")).to_be_hidden()
    assert not Notification.objects.filter(recipient=mei, read_at__isnull=True).exists()
    assert script_errors == []


def test_notifications_page_and_account_settings(new_context, outsider):
    from teams.services import notification_create

    for i, kind in enumerate(("team_added", "task_assigned", "mention")):
        notification_create(recipient=outsider, kind=kind, title=f"Matter number {i}",
                            dedupe_key=f"e2e:{i}")
    page = new_context().new_page()
    sign_in(page, outsider.username, next_path="/notifications/")
    rows = page.locator("tr.cd-notification-row.is-unread")
    expect(rows).to_have_count(3)
    rows.first.get_by_role("button", name="Mark read").click()
    expect(page.locator("tr.cd-notification-row.is-unread")).to_have_count(2)
    screenshot(page, "notifications-page-en")

    page.goto("/account/")
    page.get_by_label("Time zone").select_option("Asia/Taipei")
    page.locator("#id_language").select_option("zh-hant")
    page.get_by_text("All of them").click()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant")
    outsider.refresh_from_db()
    assert (outsider.timezone, outsider.language, outsider.email_notifications) == (
        "Asia/Taipei", "zh-hant", "all")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "account-zh-hant-phone")
    page.goto("/notifications/")
    screenshot(page, "notifications-page-zh-hant-phone")
