"""The incident room: the lead runs an incident through the form, the checklist and an
escalation; a second person already in the room sees the lead's work arrive live."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from crisis import services
from crisis.models import Incident, IncidentType, Task
from crisis.permissions import CONTRIBUTE, MANAGE_INCIDENT
from tests.conftest import grant
from tests.crisis.factories import TaskFactory
from tests.e2e.conftest import at_path, off_the_event_loop, sign_in
from tests.teams.factories import UserFactory

SHOTS = Path("/tmp/shots")  # outside the repository on purpose
CRITICAL_ONLY = "Convene the executive crisis call"  # a shipped critical-only task


def screenshot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"e2e-{name}.png", full_page=True)


def task_item(page: Page, title: str):
    return page.locator("#checklist > li.cd-task-item").filter(
        has=page.locator(".cd-task-title", has_text=re.compile(rf"^{re.escape(title)}$")))


def timeline(page: Page):
    return page.locator("#timeline-entries")


def open_room(page: Page, username: str, incident: Incident) -> None:
    """Sign in straight into the room and wait until its live stream is open and the
    panels it draws after loading (checklist, media inquiries…) have arrived."""
    sign_in(page, username, next_path=incident.get_absolute_url())
    expect(page.locator("html")).to_have_attribute("data-live", "open")
    expect(page.locator("#room-more-panels")).to_have_count(0)


@pytest.fixture
def crisis_lead(lead):
    """May open incidents, run them (lifecycle, escalation) and write in them."""
    return grant(lead, MANAGE_INCIDENT, CONTRIBUTE)


def test_lead_runs_a_product_incident_from_the_form_to_critical(new_page, crisis_lead):
    page = new_page()
    sign_in(page, crisis_lead.username, next_path="/incidents/new/")
    page.fill("#id_title", "Kettle lids pop off while boiling")
    page.get_by_label("Type").select_option(label="Product quality / safety")
    page.fill("#id_summary", "Two videos show lids of the K3 kettle flying off.")
    medium = page.get_by_role("radio", name=re.compile(r"^Medium"))
    page.locator("label", has=medium).click()
    page.get_by_role("button", name="Open incident").click()

    incident = Incident.objects.get(title="Kettle lids pop off while boiling")
    expect(page).to_have_url(at_path(incident.get_absolute_url()))
    expect(page.locator("#incident-state")).to_contain_text("Triage")
    expect(page.locator("#incident-state")).to_contain_text("Medium")

    # The playbook for the type and severity is the checklist.
    expect(task_item(page, "Assemble the crisis team")).to_have_count(1)
    expect(task_item(page, "Quarantine affected stock and trace batches")).to_have_count(1)
    expect(task_item(page, "Publish a holding statement")).to_have_count(0)
    expect(task_item(page, CRITICAL_ONLY)).to_have_count(0)
    expect(page.locator("#room-header")).to_contain_text("Next due task")

    # Complete one task: the server's answer replaces it.
    first = task_item(page, "Assemble the crisis team")
    first.get_by_role("button", name=re.compile("^Mark .* done$")).click()
    expect(first.locator(".cd-task-done")).to_have_text("Done")
    assert Task.objects.get(incident=incident, title="Assemble the crisis team").status == "done"

    # Escalate to critical with a reason.
    page.get_by_role("link", name="Escalate / de-escalate").click()
    expect(page).to_have_url(at_path(f"/incidents/{incident.pk}/escalate/"))
    page.get_by_label("Severity").select_option("critical")
    page.get_by_label("Reason").fill("A child was scalded; the regulator called.")
    page.get_by_role("button", name="Change it").click()
    expect(page).to_have_url(at_path(incident.get_absolute_url()))
    expect(page.locator("#incident-state")).to_contain_text("Critical")

    # The extra tasks arrived: the high ones and the critical-only one.
    expect(task_item(page, "Publish a holding statement")).to_have_count(1)
    expect(task_item(page, CRITICAL_ONLY)).to_have_count(1)

    # The timeline tells the whole story, newest first.
    entries = timeline(page)
    expect(entries).to_contain_text(
        "Escalated: severity Medium → Critical — A child was scalded; the regulator called.")
    expect(entries).to_contain_text("Task “Assemble the crisis team”: Open → Done")
    expect(entries).to_contain_text(CRITICAL_ONLY)
    expect(entries.locator("li.cd-entry-task", has_text="added from the playbook")).to_have_count(2)
    expect(entries).to_contain_text(
        "Incident opened: Product quality / safety, severity Medium")
    texts = entries.locator("> li .cd-entry-text").all_inner_texts()
    assert texts[-1].startswith("Incident opened"), texts
    escalation = next(i for i, t in enumerate(texts) if t.startswith("Escalated"))
    done = next(i for i, t in enumerate(texts) if "Open → Done" in t)
    assert escalation < done, texts  # newest first
    screenshot(page, "room-journey")

    incident.refresh_from_db()
    assert incident.severity == "critical"
    assert incident.type == IncidentType.objects.get(code="product_quality")


def test_a_task_done_by_the_lead_appears_live_in_another_users_room(new_page, crisis_lead):
    liaison = grant(UserFactory(username="liaison"), CONTRIBUTE)
    incident = off_the_event_loop(lambda: services.incident_create(
        actor=crisis_lead, title="Payment page down", severity="medium",
        type=IncidentType.objects.get(code="service_failure")))
    title = "Post a status update and restoration estimate"

    watcher = new_page()
    open_room(watcher, liaison.username, incident)
    watcher.evaluate("window.__noReload = 1")
    # Half-written work in the watcher's room must survive the live refresh.
    watcher.fill("#composer textarea[name=body]", "Half-written note")
    other = task_item(watcher, "Verify the facts (5W1H)")
    other.locator("summary").click()
    other.get_by_label("Comment").fill("Half-written comment")
    expect(task_item(watcher, title).locator(".cd-task-open")).to_have_text("Open")

    lead_page = new_page()
    open_room(lead_page, crisis_lead.username, incident)
    task_item(lead_page, title).get_by_role("button", name=re.compile("^Mark .* done$")).click()
    expect(task_item(lead_page, title).locator(".cd-task-done")).to_have_text("Done")

    # The watcher sees it without a reload: the task, and the line in the timeline.
    arrived = task_item(watcher, title)
    expect(arrived.locator(".cd-task-done")).to_have_text("Done")
    expect(arrived).to_have_class(re.compile(r"\bcd-fresh\b"))
    expect(timeline(watcher).locator("> li").first).to_contain_text(f"Task “{title}”: Open → Done")
    expect(timeline(watcher).locator("> li").first).to_have_class(re.compile(r"\bcd-fresh\b"))
    assert watcher.evaluate("window.__noReload") == 1
    expect(watcher.locator("#composer textarea[name=body]")).to_have_value("Half-written note")
    expect(other.get_by_label("Comment")).to_have_value("Half-written comment")
    screenshot(watcher, "room-live")


def test_a_tasks_forms_come_when_it_is_opened_and_follow_its_changes(new_page, crisis_lead):
    """The room is drawn without its tasks' forms; opening a task fetches them, and a change
    to that task made elsewhere brings them up to date without closing them."""
    liaison = grant(UserFactory(username="liaison"), CONTRIBUTE)
    incident = off_the_event_loop(lambda: services.incident_create(
        actor=crisis_lead, title="Payment page down", severity="medium",
        type=IncidentType.objects.get(code="service_failure")))
    task = Task.objects.get(incident=incident, title="Verify the facts (5W1H)")

    page = new_page()
    open_room(page, liaison.username, incident)
    item = task_item(page, task.title)
    expect(item.get_by_label("Status")).to_have_count(0)
    item.locator("summary").click()
    expect(item.get_by_label("Status")).to_have_value("open")

    lead_page = new_page()
    open_room(lead_page, crisis_lead.username, incident)
    task_item(lead_page, task.title).get_by_role("button", name=re.compile("^Mark .* done$")
                                                 ).click()
    expect(item.locator(".cd-task-done")).to_have_text("Done")
    expect(item.get_by_label("Status")).to_have_value("done")
    expect(item.locator("details")).to_have_attribute("open", "")
    item.get_by_label("Status").select_option("in_progress")
    item.get_by_role("button", name="Update status").click()
    expect(item.locator(".cd-task-in_progress")).to_have_count(1)
    assert Task.objects.get(pk=task.pk).status == "in_progress"


@pytest.mark.parametrize("language", ["en", "zh-hant", "zh-hans"])
def test_relative_times_read_the_same_after_the_page_refreshes_them(
        new_page, crisis_lead, language):
    """The server's words and live.js's are one formatter: refreshing the times in the
    page changes none of them, nor does the room's clock ticking (incident-room.js, which
    ticks once as the page loads). A finished task shows no due time."""
    crisis_lead.language = language
    crisis_lead.save(update_fields=["language"])
    incident = off_the_event_loop(lambda: services.incident_create(
        actor=crisis_lead, title="Delivery app shows wrong prices",
        type=IncidentType.objects.get(code="service_failure")))
    now = timezone.now()
    for title, status, due in (("Due soon", "open", timedelta(minutes=59, seconds=10)),
                               ("Due later", "in_progress", timedelta(hours=3, minutes=5)),
                               ("Long overdue", "blocked", -timedelta(days=2, hours=1)),
                               ("Finished early", "done", timedelta(minutes=29)),
                               ("Not needed", "waived", timedelta(minutes=29))):
        TaskFactory(incident=incident, title=title, status=status, due_at=now + due)
    page = new_page()
    open_room(page, crisis_lead.username, incident)
    expect(page.locator("html")).to_have_attribute("lang", language)
    times = page.locator("#main time[data-reltime]")
    served = times.all_inner_texts()
    page.evaluate("window.CrisisDesk.refreshTimes()")
    assert times.all_inner_texts() == served
    clocks = re.findall(r"<time [^>]*data-elapsed>([^<]*)</time>",
                        page.request.get(page.url).text())
    assert clocks and page.locator("#main time[data-elapsed]").all_inner_texts() == clocks
    if language == "en":
        assert "due in 59 minutes" in task_item(page, "Due soon").inner_text()
        assert "due in 3 hours" in task_item(page, "Due later").inner_text()
        assert "due 2 days ago" in task_item(page, "Long overdue").inner_text()
        expect(page.locator("#timeline-entries time").first).to_have_text("now")
    for finished in ("Finished early", "Not needed"):
        expect(task_item(page, finished).locator("time")).to_have_count(0)


FOCUS_SHOWN = """() => {
  // What has the focus, and whether that shows: its outline, ring (box-shadow), border or
  // background differ from the same element at rest (a copy beside it), or for a styled radio
  // or checkbox, the label drawn for it differs from its unfocused neighbours'.
  const el = document.activeElement;
  const look = (node) => {
    const s = getComputedStyle(node);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor,
            s.backgroundColor, s.textDecorationLine].join("|");
  };
  const atRest = (node) => {
    const copy = node.cloneNode(false);
    copy.removeAttribute("id");
    node.after(copy);
    const resting = look(copy);
    copy.remove();
    return resting;
  };
  let visible = el === document.body;
  if (!visible && el.matches(".form-selectgroup-input, .form-check-input")) {
    const drawn = el.nextElementSibling;
    const others = Array.from(el.closest(".form-selectgroup, .cd-items, form").querySelectorAll(
      ".form-selectgroup-label, .form-check-label")).filter((label) => label !== drawn);
    // (Not copied: a copy of a checked radio would uncheck it.)
    visible = others.every((other) => look(other) !== look(drawn));
  } else if (!visible) {
    visible = look(el) !== atRest(el);
  }
  const name = el.getAttribute("aria-label") || el.textContent.trim().slice(0, 60);
  return {tag: el.tagName.toLowerCase(), id: el.id, name, visible};
}"""


def tab_to(page: Page, wanted, limit: int = 80) -> dict:
    """Press Tab until ``wanted(focus)`` holds; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_SHOWN)
        assert focus["visible"], f"focus not visible on {focus}"
        if wanted(focus):
            return focus
    raise AssertionError(f"not reached by {limit} presses of Tab")


def test_a_keyboard_alone_opens_a_room_adds_a_note_and_finishes_a_task(new_page, crisis_lead):
    """Tab and Enter only (and typing the note): from the incident list into the room, a note
    on the timeline, a task done; focus is visible at every stop."""
    incident = off_the_event_loop(lambda: services.incident_create(
        actor=crisis_lead, title="Checkout rejects every card",
        type=IncidentType.objects.get(code="service_failure")))
    task = incident.tasks.order_by("position", "pk").first()
    page = new_page()
    sign_in(page, crisis_lead.username)
    page.mouse.move(0, 0)

    tab_to(page, lambda focus: focus["name"] == "Skip to main content")
    page.keyboard.press("Enter")
    tab_to(page, lambda focus: focus["name"] == incident.title)
    page.keyboard.press("Enter")
    expect(page).to_have_url(at_path(incident.get_absolute_url()))
    expect(page.locator("html")).to_have_attribute("data-live", "open")

    tab_to(page, lambda focus: focus["tag"] == "textarea")
    note = "Payment provider confirms an outage on their side"
    page.keyboard.type(note)
    tab_to(page, lambda focus: focus["name"] == "Add to timeline")
    page.keyboard.press("Enter")
    expect(timeline(page).locator("li").filter(has_text=note)).to_have_count(1)
    # The answer replaced the composer: the focus is back in it, not at the top of the page.
    expect(page.locator("#composer textarea")).to_be_focused()
    expect(page.locator("#composer textarea")).to_have_value("")

    tab_to(page, lambda focus: focus["name"] == f"Mark “{task.title}” done", limit=200)
    page.keyboard.press("Enter")
    expect(task_item(page, task.title).locator(".cd-task-done")).to_have_text("Done")
    expect(page.locator(f"#task-{task.pk}")).to_be_focused()  # where the button was
    assert page.evaluate(FOCUS_SHOWN)["visible"]
    task.refresh_from_db()
    assert task.status == "done"
    assert incident.timeline.filter(kind="note", body=note).exists()
