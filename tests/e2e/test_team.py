"""Crisis teams in the browser: the lead adds the legal reviewer to a confidential
incident; she, signed in elsewhere, can now open it; ending her role makes it vanish."""

import re

from playwright.sync_api import expect

from crisis import services
from crisis.models import IncidentType
from teams.choices import Capability
from teams.models import RoleAssignment
from tests.conftest import grant, join
from tests.e2e.conftest import at_path, sign_in
from tests.e2e.test_incident_room import off_the_event_loop, open_room, screenshot
from tests.teams.factories import UserFactory


def test_lead_adds_and_removes_the_legal_reviewer_of_a_confidential_incident(
        new_page, lead):
    lead = join(lead, Capability.CRISIS_MANAGER)
    legal = join(UserFactory(username="sofia", first_name="Sofia", last_name="Rossi"),
                 Capability.LEGAL_REVIEWER)
    incident = off_the_event_loop(lambda: services.incident_create(
        actor=lead, title="Whistle-blower letter on supplier bribes", severity="medium",
        confidentiality="confidential", type=IncidentType.objects.get(code="conduct")))
    room = incident.get_absolute_url()

    # Sofia, signed in on her own machine, cannot see it: not listed, 404 in the room.
    reviewer = new_page()
    sign_in(reviewer, legal.username, next_path="/incidents/")
    expect(reviewer.locator("#incident-table")).not_to_contain_text("Whistle-blower")
    assert reviewer.goto(room).status == 404

    # The lead adds her from the room's team panel.
    page = new_page()
    open_room(page, lead.username, incident)
    panel = page.locator("#team-panel")
    expect(panel).to_contain_text("Incident lead")
    panel.get_by_text("Add someone").click()
    panel.get_by_label("Person", exact=True).select_option(label="Sofia Rossi")
    panel.get_by_label("Role", exact=True).select_option(label="Legal reviewer")
    panel.get_by_role("button", name="Add to team").click()
    member = panel.locator(".cd-team > li", has_text="Sofia Rossi")
    expect(member).to_contain_text("Legal reviewer")
    expect(page.locator("#timeline-entries")).to_contain_text(
        "Sofia Rossi joined the team as Legal reviewer")
    screenshot(page, "team-added")

    # Now she sees it, listed and in the room, and has been told.
    reviewer.goto("/incidents/")
    expect(reviewer.locator("#incident-table")).to_contain_text("Whistle-blower")
    reviewer.goto(room)
    expect(reviewer.locator("h1")).to_contain_text("Whistle-blower")
    expect(reviewer.locator("html")).to_have_attribute("data-live", "open")
    expect(reviewer.locator("#team-panel")).to_contain_text("Sofia Rossi")
    assert legal.notifications.filter(kind="team_added", incident=incident).exists()

    # The lead ends her role: her open room is told to go (the socket closes with 4403
    # and the page reloads into the 404), and the incident is gone from her list.
    member.get_by_role("button", name="End role").click()
    expect(panel.locator(".cd-team > li", has_text="Sofia Rossi")).to_have_count(0)
    expect(reviewer.locator("body")).to_contain_text(re.compile("not found|Not found|404"),
                                                     timeout=10_000)
    assert reviewer.goto(room).status == 404
    reviewer.goto("/incidents/")
    expect(reviewer).to_have_url(at_path("/incidents/"))
    expect(reviewer.locator("#incident-table")).not_to_contain_text("Whistle-blower")
    ended = RoleAssignment.objects.get(incident=incident, user=legal)
    assert ended.ended_at is not None and ended.ended_by_id == lead.pk


def test_team_panel_refuses_a_second_lead_with_a_message(new_page, lead):
    lead = join(lead, Capability.CRISIS_MANAGER)
    other = grant(UserFactory(username="deputy", first_name="Omar", last_name="Haddad"))
    incident = off_the_event_loop(lambda: services.incident_create(
        actor=lead, title="Outage of the app login", severity="low",
        type=IncidentType.objects.get(code="service_failure")))
    page = new_page()
    open_room(page, lead.username, incident)
    panel = page.locator("#team-panel")
    panel.get_by_text("Add someone").click()
    panel.get_by_label("Person", exact=True).select_option(label="Omar Haddad")
    panel.get_by_label("Role", exact=True).select_option(label="Incident lead")
    panel.get_by_role("button", name="Add to team").click()
    expect(page.locator("#team-panel")).to_contain_text("hand the role over instead")
    assert not RoleAssignment.objects.filter(incident=incident, user=other).exists()
