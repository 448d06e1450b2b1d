"""Statements in the browser, two people on two machines: the communications officer
drafts a holding statement from its template in 繁體中文 and sends it; the legal reviewer
sees it arrive in her queue without reloading, asks for a change; the officer edits and
sends it again; legal reads the diff and approves; the officer publishes. The lead's room
shows every step as it happens."""

import re

from playwright.sync_api import Page, expect

from comms.models import ApprovalDecision, Publication, Statement
from crisis import services
from crisis.models import IncidentType
from teams.choices import Capability
from teams.models import Role
from teams.services import role_assign
from tests.conftest import join
from tests.e2e.conftest import sign_in
from tests.e2e.test_incident_room import off_the_event_loop, open_room, screenshot
from tests.teams.factories import UserFactory

LIVE = 8_000  # ms: a step seen on another machine


def statement_row(page: Page, statement_id: int):
    return page.locator(f"#panel-statement-{statement_id}")


def test_a_holding_statement_in_traditional_chinese_from_template_to_published(new_page, lead):
    lead = join(lead, Capability.CRISIS_MANAGER)
    type(lead).objects.filter(pk=lead.pk).update(language="zh-hant")
    incident = off_the_event_loop(lambda: services.incident_create(
        actor=lead, title="X2 行動電源過熱", severity="medium",
        type=IncidentType.objects.get(code="product_quality"),
        affected_products=["X2 行動電源"], affected_regions=["台灣", "香港"]))
    officer = UserFactory(username="daniel", first_name="大衛", last_name="陳",
                          language="zh-hant")
    legal = UserFactory(username="sofia", first_name="蘇菲", last_name="林",
                        language="zh-hant")
    for user, code in ((officer, "communications_officer"), (legal, "legal_reviewer")):
        off_the_event_loop(lambda user=user, code=code: role_assign(
            actor=lead, incident=incident, user=user, role=Role.objects.get(code=code)))

    room = new_page()  # the lead watches the room
    open_room(room, lead.username, incident)
    reviewer = new_page()  # legal keeps her queue open
    sign_in(reviewer, legal.username, next_path="/approvals/")
    expect(reviewer.locator("html")).to_have_attribute("data-live", "open")
    expect(reviewer.locator("#approval-queue li[id^=queue-item-]")).to_have_count(0)

    # The officer starts a holding statement in 繁體中文 from its template.
    writer = new_page()
    open_room(writer, officer.username, incident)
    expect(writer.locator("html")).to_have_attribute("lang", "zh-hant")
    writer.locator("#statements-panel a[href$='/statements/new/']").click()
    writer.locator("#id_kind").select_option("holding")
    writer.locator("#id_language").select_option("zh-hant")
    writer.locator("main form button[type=submit]").last.click()
    form = writer.locator("#statement-form")
    expect(form.locator("#id_title")).to_have_value(
        re.compile("X2 行動電源過熱"))  # the placeholder, filled
    expect(form.locator("#id_where")).to_have_value(re.compile("台灣、香港"))
    for field in ("what_happened", "when", "where", "who_is_affected", "what_we_do", "body"):
        box = form.locator(f"#id_{field}")
        if "[" in box.input_value():  # the template's [brackets] are for the writer
            box.fill(f"{field}：本公司已確認部分 X2 行動電源於充電時過熱。")
    form.locator("button[type=submit]").click()
    expect(writer.locator("#statement-detail")).to_be_visible()
    statement = Statement.objects.get(incident=incident)
    assert statement.language == "zh-hant" and statement.current_version == 1
    expect(statement_row(room, statement.pk)).to_contain_text("草稿", timeout=LIVE)

    writer.locator("#actions summary").filter(has=writer.locator("i.ti-send")).click()
    writer.locator(f"form[action$='/statements/{statement.pk}/submit/'] button").click()
    expect(writer.locator("#statement-detail")).to_contain_text("審核中")

    # Legal sees it arrive in her queue, live, and asks for a change.
    item = reviewer.locator(f"#queue-item-{statement.pk}")
    expect(item).to_be_visible(timeout=LIVE)
    expect(item).to_contain_text("X2 行動電源過熱")
    expect(statement_row(room, statement.pk)).to_contain_text("審核中", timeout=LIVE)
    screenshot(reviewer, "statement-queue-first")
    item.locator("textarea[name=comment]").fill("請寫明客戶可到哪裡免費更換。")
    item.locator("button[name=decision][value=request_changes]").click()
    expect(item).to_have_count(0, timeout=LIVE)
    expect(statement_row(room, statement.pk)).to_contain_text("草稿", timeout=LIVE)

    # The officer sees the request on his page without reloading, edits, sends again.
    expect(writer.locator("#statement-detail")).to_contain_text("請寫明客戶可到哪裡免費更換",
                                                                timeout=LIVE)
    writer.locator(f"a[href$='/statements/{statement.pk}/edit/']").click()
    writer.locator("#id_body").fill("請持 X2 行動電源到任何門市免費更換。")
    writer.locator("main form button[type=submit]").last.click()
    expect(writer.locator("#statement-detail")).to_be_visible()
    writer.locator("#actions summary").filter(has=writer.locator("i.ti-send")).click()
    writer.locator(f"form[action$='/statements/{statement.pk}/submit/'] button").click()
    expect(writer.locator("#statement-detail")).to_contain_text("審核中")

    # Legal reads the diff from version 1 (which she saw) and approves version 2.
    expect(item).to_be_visible(timeout=LIVE)
    expect(item.locator("ins").first).to_be_visible()
    expect(item).to_contain_text("門市免費更換")
    screenshot(reviewer, "statement-queue-diff")
    item.locator("form:has(input[name=decision][value=approve]) button").click()
    expect(item).to_have_count(0, timeout=LIVE)
    decision = ApprovalDecision.objects.get(statement=statement, decision="approve")
    assert (decision.version_number, decision.decider_id) == (2, legal.pk)
    expect(statement_row(room, statement.pk)).to_contain_text("已核准", timeout=LIVE)

    # The officer publishes; the room says so.
    expect(writer.locator("#statement-detail")).to_contain_text("已核准", timeout=LIVE)
    writer.locator("#actions summary").filter(has=writer.locator("i.ti-speakerphone")).click()
    writer.locator(f"form[action$='/statements/{statement.pk}/publish/'] "
                   "button[name=when][value=now]").click()
    expect(writer.locator("#statement-detail")).to_contain_text("已發布")
    expect(statement_row(room, statement.pk)).to_contain_text("已發布", timeout=LIVE)
    expect(room.locator("#room-header")).not_to_contain_text("尚無")  # since the last one
    publication = Publication.objects.get(statement=statement)
    assert publication.version.number == 2
    assert publication.version_hash == publication.version.content_hash
    screenshot(room, "statement-room-published")
    screenshot(writer, "statement-published")
