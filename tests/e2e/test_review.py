"""The post-incident review in the browser, two people on two machines: the lead closes
the incident from the room, writes the review on its edit page (the executive summary from
the suggested draft plus her own sentence, a lesson) and adds an action item, then signs it
off; the executive sponsor signs it off in his own browser, which makes the PDF: both review
pages see its box reach "ready" without reloading, the executive's bell says it is ready,
and he downloads it: a PDF holding the incident's title and the summary they wrote."""

import datetime
import io
import re

from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from crisis import services
from crisis.choices import TaskStatus
from crisis.models import IncidentType
from reports.models import ActionItem, PdfStatus, ReviewPdf
from teams.choices import Capability
from teams.models import Role
from teams.services import role_assign
from tests.conftest import join
from tests.e2e.conftest import sign_in
from tests.e2e.test_incident_room import off_the_event_loop, open_room, screenshot
from tests.teams.factories import UserFactory

LIVE = 8_000  # ms: a step seen on another machine
RENDER = 60_000  # ms: a request that renders the PDF or first draws a chart
TITLE = "Kettle lids crack on the K3 travel kettle"
OWN_SENTENCE = "We will add a lid stress test to incoming inspection."
LESSON = "A supplier's change of plastic needs our approval first."


def bell(page: Page):
    return page.locator("#notification-bell")


def test_lead_closes_writes_and_signs_the_review_the_executive_signs_and_downloads_its_pdf(
        new_page, lead):
    lead = join(lead, Capability.CRISIS_MANAGER)
    sponsor = join(UserFactory(username="hiroshi", first_name="Hiroshi", last_name="Tanaka"),
                   Capability.EXECUTIVE)

    def recovering():
        incident = services.incident_create(
            actor=lead, title=TITLE, severity="low", summary="Lids crack after a week of use.",
            type=IncidentType.objects.get(code="product_quality"))
        role_assign(actor=lead, incident=incident, user=sponsor,
                    role=Role.objects.get(code="executive_sponsor"))
        for task in incident.tasks.all():
            services.task_set_status(actor=lead, task=task, status=TaskStatus.DONE)
        for status in ("active", "contained", "recovering"):
            incident = services.incident_transition(actor=lead, incident=incident,
                                                    to_status=status)
        return incident

    incident = off_the_event_loop(recovering)

    # The executive keeps the incident's review open (it opened at recovering).
    executive = new_page()
    sign_in(executive, sponsor.username)
    # The server's first review page loads the chart library (seconds on a busy machine).
    executive.goto(f"/incidents/{incident.pk}/review/", timeout=RENDER)
    expect(executive.locator("#review-page")).to_be_visible()

    # The lead closes the incident from the room and goes to its review.
    writer = new_page()
    open_room(writer, lead.username, incident)
    writer.locator("#room-header").get_by_role("link", name="Move to Closed").click()
    writer.get_by_role("button", name="Yes, move to Closed").click()
    expect(writer.locator("#incident-state")).to_contain_text("Closed")
    panel = writer.locator("#review-panel")
    expect(panel).to_contain_text("Post-incident review")
    screenshot(writer, "review-1-room-closed")
    panel.get_by_role("link", name="Open the review").click()
    expect(writer.locator("h1")).to_contain_text(TITLE)

    # The edit page: the suggested draft, her own sentence, a lesson.
    writer.locator("#review-page").get_by_role("link", name="Edit", exact=True).click()
    form = writer.locator("#review-form")
    summary = form.locator("#id_executive_summary")
    writer.locator("summary", has_text="A draft suggested from the facts").click()
    suggested = writer.locator("#suggested-summary").inner_text().strip()
    assert suggested
    summary.fill("")
    writer.get_by_role("button", name="Use this draft").click()
    expect(summary).to_have_value(suggested)
    summary.fill(f"{suggested} {OWN_SENTENCE}")
    expect(writer.locator("[data-words-for=id_executive_summary]")).to_contain_text(
        re.compile(r"\d+ of 200 words"))
    form.locator("#id_lessons").fill(LESSON)
    screenshot(writer, "review-2-edit")
    form.get_by_role("button", name="Save").click()
    expect(writer.locator("#review-page")).to_contain_text(OWN_SENTENCE)
    expect(writer.locator("#review-page")).to_contain_text(LESSON)

    # An action item: the lead owns it, due in two weeks; it changes the playbook.
    writer.get_by_role("link", name="Add an action item").click()
    writer.locator("#id_title").fill("Add a lid stress test to incoming inspection")
    writer.locator("#id_owner").select_option(str(lead.pk))
    writer.locator("#id_due_on").fill(
        (timezone.localdate() + datetime.timedelta(days=14)).isoformat())
    writer.locator("#id_target").select_option(label="Product quality / safety response")
    writer.get_by_role("button", name="Add the action item").click()
    items = writer.locator("#action-items")
    expect(items).to_contain_text("Add a lid stress test to incoming inspection")
    item = ActionItem.objects.get(review__incident=incident)
    assert (item.changes, item.playbook.incident_type.code) == ("playbook", "product_quality")

    # The lead signs version 1 off; the executive's page shows it without reloading.
    sign_off = writer.locator("#sign-off")
    sign_off.locator("summary", has_text="Sign off version 1 as Incident lead").click()
    sign_off.get_by_role("button", name="Yes, sign off version 1").click()
    expect(writer.locator("#sign-off-lead")).to_contain_text("Signed by")
    expect(executive.locator("#sign-off-lead")).to_contain_text("Signed by", timeout=LIVE)

    # The executive sponsor signs it off in his own browser: that queues the PDF, whose
    # box follows its progress to "ready" on both pages, and the executive's bell says so.
    mine = executive.locator("#sign-off")
    mine.locator("summary", has_text="Sign off version 1 as Executive sponsor").click()
    # Tasks run eagerly here: the PDF renders inside this request (seconds on a busy machine).
    mine.get_by_role("button", name="Yes, sign off version 1").click(timeout=RENDER)
    expect(executive.locator("#sign-off")).to_contain_text("Signed off on")
    expect(writer.locator("#sign-off")).to_contain_text("Signed off on", timeout=LIVE)
    expect(writer.locator("#review-pdf").get_by_role("link", name="Download version 1")
           ).to_be_visible(timeout=LIVE)
    expect(executive.locator("#review-pdf").get_by_role("link", name="Download version 1")
           ).to_be_visible(timeout=LIVE)
    expect(bell(executive).locator("[data-unread-count]")).to_be_visible(timeout=LIVE)
    bell(executive).locator(".cd-bell-toggle").click()
    ready = bell(executive).locator(".cd-notification.is-unread",
                                    has_text="is ready as a PDF")
    expect(ready).to_be_visible()
    screenshot(executive, "review-3-signed-off-pdf-ready")
    ready.click()
    expect(executive.locator("h1")).to_contain_text(TITLE)

    with executive.expect_download() as got:
        executive.locator("#review-pdf").get_by_role("link", name="Download version 1").click()
    download = got.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        data = file.read()
    assert data.startswith(b"%PDF-")
    text = " ".join(" ".join((page.extract_text() or "").split())
                    for page in PdfReader(io.BytesIO(data)).pages)
    assert TITLE in text
    assert OWN_SENTENCE in text
    assert LESSON in text
    # Rendered once, at the sign-off; the download read the stored file.
    assert ReviewPdf.objects.filter(version__review__incident=incident,
                                    status=PdfStatus.READY).count() == 1
