"""Stakeholder delivery in the browser: the communications officer publishes an approved
holding statement (version 2, after legal asked for a change) to the employees by email
and to the public status page. A real Celery worker sends the emails to a local SMTP
server that holds them until the test lets them through, so the publication page is seen
filling in over the websocket; the lead's room shows the employees' "last received: v2";
the status page shows the statement to anyone."""

import asyncio
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.urls import reverse
from playwright.sync_api import expect

from comms import services as comms
from comms.choices import Decision
from comms.models import Contact, Delivery, Publication, StakeholderGroup
from config.celery import app as celery_app
from crisis import services
from crisis.models import IncidentType
from teams.choices import Capability
from teams.models import Role
from teams.services import role_assign
from tests.comms.conftest import FRAME
from tests.conftest import join
from tests.e2e.conftest import off_the_event_loop, sign_in
from tests.e2e.test_incident_room import open_room, screenshot
from tests.teams.factories import UserFactory

LIVE = 8_000  # ms
TITLE = "Holding statement: K2 kettle recall"

pytestmark = pytest.mark.worker  # the sending goes through the broker to a real worker


class HeldMail:
    """An SMTP server that accepts each message only once ``release`` is set."""

    def __init__(self):
        self.release = threading.Event()
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        self.messages.append(envelope.content)
        return "250 Message accepted"


@pytest.fixture
def held_mail(settings):
    """Before the live server forks (list it first), so the server and the worker in this
    process both send through it."""
    handler = HeldMail()
    with socket.socket() as probe:  # a free port (aiosmtpd checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield handler
    handler.release.set()
    controller.stop()


def test_a_holding_statement_reaches_the_employees_by_email_and_the_status_page(
        held_mail, celery_not_eager, new_page, lead):
    lead = join(lead, Capability.CRISIS_MANAGER)
    officer, legal = UserFactory(username="daniel"), UserFactory(username="sofia")
    employees = StakeholderGroup.objects.get(code="employees")

    def prepare():
        incident = services.incident_create(
            actor=lead, title="K2 kettle overheating", severity="medium",
            type=IncidentType.objects.get(code="product_quality"),
            stakeholder_kinds=["employees", "customers"])
        for user, code in ((officer, "communications_officer"), (legal, "legal_reviewer")):
            role_assign(actor=lead, incident=incident, user=user,
                        role=Role.objects.get(code=code))
        for n, language in enumerate(("en", "zh-hant", "zh-hans")):
            person = Contact.objects.create(name=f"Staff {n}", email=f"staff{n}@example.com",
                                            language=language)
            person.groups.set([employees])
        statement = comms.statement_create(
            actor=officer, incident=incident, kind="holding", language="en", title=TITLE,
            body="Stop using K2 kettles from batch 12.", **FRAME)
        comms.statement_submit(actor=officer, statement=statement)
        comms.statement_decide(actor=legal, statement=statement, version=1,
                               decision=Decision.REQUEST_CHANGES, comment="Say where to go.")
        comms.statement_edit(actor=officer, statement=statement,
                             body="Stop using K2 kettles from batch 12; any shop replaces them.",
                             **FRAME)
        comms.statement_submit(actor=officer, statement=statement)
        comms.statement_decide(actor=legal, statement=statement, version=2,
                               decision=Decision.APPROVE)
        statement.refresh_from_db()
        assert (statement.status, statement.current_version) == ("approved", 2)
        return incident, statement

    incident, statement = off_the_event_loop(prepare)
    room = new_page()  # the lead watches the room, where the stakeholder map is
    open_room(room, lead.username, incident)
    expect(room.locator(f"#stakeholder-{employees.pk}")).to_be_visible()
    expect(room.locator(f"#stakeholder-{employees.pk}-received")).to_have_count(0)

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        writer = new_page()
        sign_in(writer, officer.username,
                next_path=reverse("crisis:statement-detail", args=[statement.pk]))
        writer.locator("#actions summary").filter(has=writer.locator("i.ti-speakerphone")).click()
        form = writer.locator(f"form[action$='/statements/{statement.pk}/publish/']")
        for box in form.locator("input[name=groups], input[name=channels]").all():
            box.uncheck(force=True)  # the label drawn over it takes the click
        form.locator(f"input[name=groups][value='{employees.pk}']").check(force=True)
        form.locator("input[name=channels][value=email]").check(force=True)
        form.locator("button[name=when][value=now]").click()
        expect(writer.locator("#statement-detail")).to_contain_text("Published")
        publication = Publication.objects.get(statement=statement)

        # The publication page: three emails on their way, held by the mail server...
        writer.locator(f"a[href$='/incidents/publications/{publication.pk}/']").click()
        expect(writer.locator("html")).to_have_attribute("data-live", "open")
        totals = writer.locator("#delivery-totals td")  # queued, sending, sent, ack, failed
        expect(totals.last).to_have_text("3")
        expect(totals.nth(2)).to_have_text("0")
        screenshot(writer, "delivery-publication-sending")
        # ...then let through: the counts fill in without a reload.
        held_mail.release.set()
        expect(totals.nth(2)).to_have_text("3", timeout=LIVE)
        expect(totals.nth(0)).to_have_text("0")
        screenshot(writer, "delivery-publication-sent")

    # (the team's notification emails pass through the same server)
    sent = [message for message in held_mail.messages if b"X-CrisisDesk-Delivery" in message]
    assert len(sent) == 3 and all(b"any shop replaces them" in message for message in sent)
    assert set(Delivery.objects.filter(publication=publication)
               .values_list("channel", "status", "attempts")) == {("email", "sent", 1)}

    # The lead's map: the employees last received version 2, all of it delivered.
    received = room.locator(f"#stakeholder-{employees.pk}-received")
    expect(received).to_contain_text("Last received: v2", timeout=LIVE)
    expect(received).to_contain_text("Delivered 3 of 3 (100%)", timeout=LIVE)
    screenshot(room, "delivery-room-map")

    # Anyone reads it on the public status page, signed in or not.
    reader = new_page()
    reader.goto("/status/")
    expect(reader.locator("main")).to_contain_text(TITLE)
    expect(reader.locator("main")).to_contain_text("any shop replaces them")
