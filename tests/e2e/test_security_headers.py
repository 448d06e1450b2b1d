"""The pages work under their Content-Security-Policy: nothing inline, nothing refused."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import off_the_event_loop, sign_in
from tests.e2e.test_live_room import open_incident

pytestmark = pytest.mark.e2e


def test_every_main_page_runs_with_nothing_refused_by_the_policy(browser, asgi_live_server,
                                                                 crisis_lead):
    incident = open_incident(crisis_lead, "Policy check")
    context = browser.new_context(base_url=asgi_live_server)  # the policy applies here
    context.set_default_timeout(5_000)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and refused.append(f"{page.url}: {message.text[:160]}"))
    sign_in(page, crisis_lead.username)
    response = page.goto(incident.get_absolute_url())
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "camera=()" in response.headers["permissions-policy"]
    expect(page.locator("html")).to_have_attribute("data-live", "open")
    page.fill("#id_body", "Checked under the policy")
    page.click("#composer button[type=submit]")
    expect(page.locator("#timeline")).to_contain_text("Checked under the policy")
    for path in ("/", "/incidents/", "/notifications/", "/roster/", "/departments/",
                 "/account/", "/api/incidents/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert off_the_event_loop(lambda: incident.timeline.filter(
        body="Checked under the policy").count()) == 1
    assert refused == []
    context.close()
