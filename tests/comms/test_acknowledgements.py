"""Acknowledgements (comms.acknowledgement_links, acknowledgements, acknowledgement_views,
acknowledgement_tasks): the signed link goes out only to groups that require it (email and
webhook), its page shows what was published and acknowledges on POST only, once; expired
and tampered links get a clear page; the owner hears once of what is still unacknowledged
after the reminder time."""

import json
import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from comms import acknowledgement_links
from comms.acknowledgement_tasks import remind_unacknowledged_deliveries
from comms.acknowledgements import reminder_recipient
from comms.models import Contact, Delivery, DeliveryAcknowledgement
from comms.stakeholder_map_services import stakeholder_update
from crisis.models import LiveEvent
from teams.choices import NotificationKind
from teams.models import Notification
from tests.comms.test_delivery import (  # noqa: F401 (approved, publish, receiver: fixtures)
    approved,
    contact,
    group,
    publish,
    receiver,
)
from tests.comms.test_delivery_apprise import Receiver as TextGateway
from tests.comms.test_delivery_apprise import endpoint
from tests.conftest import as_new_request

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://[^\s\"<]+/ack/[^\s\"<]+/")


@pytest.fixture
def sent(approved, publish, receiver):  # noqa: F811
    """The statement sent to regulators (who must acknowledge) and customers (who need
    not), by email and webhook; the regulator's email delivery."""
    contact("Regulator", "regulators", email="reg@example.gov", hook=receiver.url)
    contact("Customer", "customers", email="cust@example.com", hook=receiver.url)
    publication = publish(approved, ["regulators", "customers"], ["email", "webhook"])
    return Delivery.objects.get(publication=publication, group__code="regulators",
                                channel="email")


def link_in(message) -> str:
    found = LINK.findall(message.body)
    return found[0] if found else ""


def names(link: str) -> Delivery:
    """The delivery a link was signed for (a link signed a second later differs)."""
    return acknowledgement_links.delivery_for_token(link.rstrip("/").rsplit("/", 1)[1])


def test_the_link_goes_only_to_groups_that_require_acknowledgement(sent, receiver, settings):  # noqa: F811
    by_address = {m.to[0]: m for m in mail.outbox}
    regulator, customer = by_address["reg@example.gov"], by_address["cust@example.com"]
    link = link_in(regulator)
    assert link.startswith(f"{settings.SITE_URL}/ack/") and names(link) == sent
    assert link in regulator.alternatives[0][0]  # the HTML's button too
    assert "Confirm receipt" in regulator.alternatives[0][0]
    assert link_in(customer) == "" and "/ack/" not in customer.alternatives[0][0]
    assert len(receiver.requests) == 2
    urls = sorted(json.loads(body).get("acknowledge_url", "") for _h, body in receiver.requests)
    regulator_hook = Delivery.objects.get(group__code="regulators", channel="webhook")
    assert urls[0] == "" and names(urls[1]) == regulator_hook


def test_a_text_message_ends_with_the_link_where_the_group_requires_it(approved, publish):  # noqa: F811
    gateway = TextGateway()
    try:
        endpoint("Gateway", gateway.url("sms"), code=None, channel="sms")
        for code, phone in (("regulators", "+886912345678"), ("customers", "+886922222222")):
            Contact.objects.create(name=code, phone=phone).groups.set([group(code)])
        publication = publish(approved, ["regulators", "customers"], ["sms"])
        texts = {path: body["message"] for path, _headers, body in gateway.requests}
    finally:
        gateway.close()
    regulator = Delivery.objects.get(publication=publication, group__code="regulators")
    text, link = texts["/sms/+886912345678"].rsplit(" ", 1)
    assert text.endswith("\n\nPlease confirm you received this:") and names(link) == regulator
    assert "/ack/" not in texts["/sms/+886922222222"]


def test_the_page_shows_the_statement_and_only_a_post_acknowledges_once(
        sent, api_client, officer, settings, django_capture_on_commit_callbacks):
    regulator = next(m for m in mail.outbox if m.to == ["reg@example.gov"])
    path = link_in(regulator).removeprefix(settings.SITE_URL)
    reader = Client()  # nobody signed in, no cookie
    page = reader.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kettle recall" in html and "Return your <strong>K2</strong> kettle." in html
    assert "I confirm I received this" in html and 'method="post"' in html
    assert not page.cookies  # no session, no CSRF cookie
    sent.refresh_from_db()
    assert sent.status == "sent" and not DeliveryAcknowledgement.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = reader.post(path, HTTP_USER_AGENT="Regulator's browser")
    assert done.status_code == 200 and "your confirmation is recorded" in done.content.decode()
    sent.refresh_from_db()
    acknowledgement = DeliveryAcknowledgement.objects.get(delivery=sent)
    assert sent.status == "acknowledged"
    # The same person's webhook of the statement is acknowledged with it; nobody else's.
    assert sorted(Delivery.objects.filter(status="acknowledged").values_list(
        "group__code", "channel")) == [("regulators", "email"), ("regulators", "webhook")]
    assert (acknowledgement.remote_addr, acknowledgement.user_agent) == (
        "127.0.0.1", "Regulator's browser")
    event = LiveEvent.objects.filter(type="delivery.changed").latest("seq")
    assert event.data["counts"]["acknowledged"] == 2

    again = reader.post(path)
    assert again.status_code == 200 and "You confirmed receipt on" in again.content.decode()
    assert "I confirm I received this" not in again.content.decode()
    assert DeliveryAcknowledgement.objects.count() == 2
    listed = as_new_request(api_client, officer).get(
        "/api/deliveries/", {"publication": sent.publication_id}).json()["results"]
    assert {d["id"]: bool(d["acknowledged_at"]) for d in listed}[sent.pk] is True
    assert sum(bool(d["acknowledged_at"]) for d in listed) == 2


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_confirmation_acknowledges_once_and_answers_both(sent):
    """Two POSTs of the link at once: on SQLite both read, then both wrote, and one failed
    with "database is locked" (a 503 page for the reader)."""
    import threading

    from django.db import connections

    token = acknowledgement_links.acknowledgement_token(sent)
    path = reverse("acknowledgement", args=[token])
    barrier = threading.Barrier(4)
    answers = []

    def confirm() -> None:
        try:
            barrier.wait(timeout=10)
            answers.append(Client(raise_request_exception=False).post(path).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [200, 200, 200, 200]
    assert DeliveryAcknowledgement.objects.filter(delivery=sent).count() == 1


class _SignedLongAgo(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 15 * 24 * 3600)  # 15 days ago


def test_an_expired_or_tampered_link_gets_a_clear_page_and_changes_nothing(sent, settings):
    settings.CRISISDESK_ACK_LINK_DAYS = 14
    old = _SignedLongAgo(salt=acknowledgement_links.SALT).sign(str(sent.idempotency_key))
    expired = Client().post(reverse("acknowledgement", args=[old]))
    assert expired.status_code == 410
    page = expired.content.decode()
    assert "This link has expired" in page and "ask the sender" in page
    stopped = timezone.localtime(timezone.now() - timedelta(days=1))
    assert date_format(stopped, "DATE_FORMAT") in page  # the day it stopped working

    token = acknowledgement_links.acknowledgement_token(sent)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    other = signing.TimestampSigner(salt="somewhere.else").sign(str(sent.idempotency_key))
    unknown = signing.TimestampSigner(salt=acknowledgement_links.SALT).sign(
        "00000000-0000-0000-0000-000000000000")
    for bad in (tampered, other, unknown, "nonsense"):
        for method in ("get", "post"):
            response = getattr(Client(), method)(reverse("acknowledgement", args=[bad]))
            assert response.status_code == 400, (bad, method)
            assert "This link is not valid" in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == "sent" and not DeliveryAcknowledgement.objects.exists()


def test_the_owner_is_told_once_of_what_is_unacknowledged_after_the_reminder_time(
        approved, publish, officer, incident, assign, client, settings):  # noqa: F811
    settings.CRISISDESK_ACK_REMINDER_HOURS = 4
    owner = assign(incident, "communications_officer", "owner")
    stakeholder_update(actor=officer, incident=incident, group=group("regulators"),
                       owner=owner)
    for n in range(3):
        contact(f"Regulator {n}", "regulators", email=f"reg{n}@example.gov")
    publication = publish(approved, ["regulators"], ["email"])
    first, *_rest = Delivery.objects.filter(publication=publication).order_by("pk")
    token = acknowledgement_links.acknowledgement_token(first)
    Client().post(reverse("acknowledgement", args=[token]))

    assert remind_unacknowledged_deliveries() == 0  # sent just now
    Delivery.objects.filter(publication=publication).update(
        sent_at=timezone.now() - timedelta(hours=5))
    assert remind_unacknowledged_deliveries() == 1
    assert remind_unacknowledged_deliveries() == 0  # once
    told = Notification.objects.get(recipient=owner, kind=NotificationKind.ACKNOWLEDGEMENT_MISSING)
    assert "2 of Regulators" in told.title and "Kettle recall" in told.title
    assert Delivery.objects.filter(publication=publication,
                                   ack_reminded_at__isnull=False).count() == 2
    assert not Notification.objects.filter(recipient=officer,
                                           kind=NotificationKind.ACKNOWLEDGEMENT_MISSING).exists()
    client.force_login(owner)
    opened = client.get(reverse("notification-open", args=[told.pk]))
    assert opened.url == reverse("crisis:publication-detail", args=[publication.pk])
    # A group nobody owns on the map: the incident's lead is told instead.
    assert reminder_recipient(incident, group("customers")) is None  # no lead yet
    lead = assign(incident, "lead", "lead")
    assert reminder_recipient(incident, group("customers")) == lead
