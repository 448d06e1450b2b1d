"""Every page, with the demo data loaded (teams/management/commands/seed_demo.py), as the
people who see it differently: no serious or critical accessibility violation (axe-core),
nothing wider than a phone, and a journey done by keyboard alone."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from comms.models import Statement
from crisis.models import Incident, TimelineEntry
from monitoring.models import Alert
from teams.management.commands.seed_demo import DEMO_PASSWORD
from teams.models import RoleAssignment
from tests.demo import seed_running_demo
from tests.e2e.conftest import off_the_event_loop, sign_in

SHOTS = Path("/tmp/shots")  # outside the repository on purpose
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(transactional_db):
    return off_the_event_loop(seed_running_demo)


def pages_for(incident: Incident) -> dict[str, list[str]]:
    """Each page once, as the persona who sees most of it; read-only people where they see
    something different (no forms, no buttons)."""
    room = incident.get_absolute_url()
    entry = TimelineEntry.objects.filter(incident=incident, kind="note").first()
    assignment = RoleAssignment.objects.filter(incident=incident, ended_at__isnull=True).first()
    return {
        "lead": [
            "/", "/incidents/", "/incidents/?severity=critical", "/incidents/new/", room,
            f"{room}escalate/", f"{room}classify/", f"{room}merge/", f"{room}move/active/",
            f"{room}team/", f"{room}team/handover/", f"{room}team/{assignment.pk}/end/",
            f"/incidents/entries/{entry.pk}/correct/", "/departments/", "/roster/",
            "/notifications/", "/account/", *statement_pages(incident), "/publishing-freezes/",
        ],
        "legal": ["/", "/approvals/"],  # a statement waits for her, with a diff
        "exec": ["/", "/incidents/", room, "/notifications/", "/roster/"],
        "support": [room],  # a liaison on the team: works on tasks, runs nothing
        "admin": ["/roster/", "/departments/"],
        # the alert board, and an alert's page once the demo holds one (issue 14)
        "analyst": ["/monitoring/", *(f"/monitoring/alerts/{pk}/" for pk in
                                      Alert.objects.order_by("pk").values_list("pk",
                                                                               flat=True)[:1])],
    }


def statement_pages(incident: Incident) -> list[str]:
    """The statements' pages: the list, a new one from its template, each statement (one
    in each state), its edit page and the diff of one with two versions."""
    room = incident.get_absolute_url()
    found = [f"{room}statements/", f"{room}statements/new/?kind=holding&language=zh-hant"]
    for statement in Statement.objects.filter(incident=incident).order_by("pk"):
        found.append(f"/incidents/statements/{statement.pk}/")
        if statement.current_version > 1:
            found += [f"/incidents/statements/{statement.pk}/edit/",
                      f"/incidents/statements/{statement.pk}/diff/?from=1&to=2"]
    return found


def signed_in(new_context, username: str | None, viewport: dict | None = None) -> Page:
    """A page of a fresh context, signed in as ``username`` (None: anonymous)."""
    page = new_context().new_page()
    if viewport:
        page.set_viewport_size(viewport)
    if username:
        sign_in(page, username, DEMO_PASSWORD, next_path="/")
    return page


def axe_violations(page: Page) -> list[str]:
    """The serious and critical violations axe-core finds in the page, one line each."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
      const result = await axe.run(document, {resultTypes: ["violations"]});
      const detail = (node) => {
        const data = node.any[0] && node.any[0].data;
        return data && data.fgColor
          ? `${data.fgColor} on ${data.bgColor} = ${data.contrastRatio}:1 at ${data.fontSize}`
          : node.failureSummary.replace(/\\s+/g, " ");
      };
      return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
        .flatMap((v) => v.nodes.map((node) =>
          `${v.id} (${v.impact}) ${node.target.join(" ")}: ${detail(node)}\n`
          + `      ${node.html.slice(0, 160)}`));
    }""")


def overflowing(page: Page) -> list[str]:
    """What sticks out: the page wider than the window, or a badge or button wider than
    itself or than its card (cut off)."""
    return page.evaluate("""() => {
      const out = [];
      if (document.documentElement.scrollWidth > window.innerWidth) {
        out.push(`page ${document.documentElement.scrollWidth} px wide`);
      }
      document.querySelectorAll("#main .badge, #main .cd-badge, #main .btn").forEach((el) => {
        const box = el.getBoundingClientRect();
        if (!box.width) return;
        const frame = el.closest(".card, .table-responsive");
        const clip = frame ? frame.getBoundingClientRect() : {left: 0, right: window.innerWidth};
        if (el.scrollWidth > el.clientWidth + 1 || box.right > clip.right + 1
            || box.left < clip.left - 1) {
          out.push(`cut off: ${el.outerHTML.slice(0, 140)}`);
        }
      });
      return out;
    }""")


def test_no_serious_accessibility_violations_on_any_page(new_context, demo):
    """axe-core over every page as each persona that sees it differently: none serious or
    critical (contrast is fixed in static/css/tokens.css, not per element)."""
    found = {}
    for username, paths in {**pages_for(demo), None: ["/accounts/login/", "/status/"]}.items():
        page = signed_in(new_context, username)
        for path in paths:
            page.goto(path)
            expect(page.locator("#main")).to_be_visible()
            expect(page.locator("#room-more-panels")).to_have_count(0)  # the room's lazy panels
            if violations := axe_violations(page) + overflowing(page):
                found[f"{username or 'anonymous'} {path}"] = violations
    report = "\n".join(f"{where} ({len(lines)}):\n    " + "\n    ".join(lines)
                       for where, lines in found.items())
    assert not found, f"serious or critical accessibility violations, or cut off:\n{report}"


def screenshot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"e2e-{name}.png", full_page=True)


def test_every_page_fits_a_phone(new_context, demo):
    """At 390 px nothing is wider than the screen or cut off (tables stack, buttons wrap),
    and the room's sections are reachable from its top (a menu that stays there)."""
    found = {}
    page = signed_in(new_context, "lead", PHONE)
    for path in pages_for(demo)["lead"]:
        page.goto(path)
        expect(page.locator("#main")).to_be_visible()
        expect(page.locator("#room-more-panels")).to_have_count(0)  # the room's lazy panels
        screenshot(page, "phone" + path.replace("/", "-").replace("?", "-").rstrip("-"))
        if problems := overflowing(page):
            found[path] = problems
    assert not found, "wider than a phone:\n" + "\n".join(
        f"{path}:\n    " + "\n    ".join(lines) for path, lines in found.items())

    page.goto(demo.get_absolute_url())
    menu = page.get_by_role("navigation", name="Sections of this incident")
    expect(menu).to_be_in_viewport()
    expect(page.locator("#room-more-panels")).to_have_count(0)
    for section, panel in (("Checklist", "#checklist-panel"), ("Team", "#team-panel"),
                           ("Timeline", "#timeline")):
        menu.get_by_role("link", name=section).click()
        # Scrolled (smoothly) to just below the menu.
        page.wait_for_function("""(selector) => {
          const top = document.querySelector(selector).getBoundingClientRect().top;
          return top >= 0 && top < 100;
        }""", arg=panel)
        expect(menu).to_be_in_viewport()  # it stays at the top
        page.screenshot(path=SHOTS / f"e2e-phone-room-{section.lower()}.png")
