"""Stakeholder delivery (comms.delivery_services, delivery_tasks, channels, delivery_api,
delivery_views): recipients resolved once when a publication commits, each delivery sent
exactly once (claimed and committed before the send; a dead worker's claim swept back
with the same idempotency key), email in the contact's language, signed webhooks against a
real loopback receiver, transient errors retried and permanent ones final, a failed one
resent by hand, and the publication page and API behind the incident's visibility."""

import email as email_parser
import hashlib
import hmac
import json
import re
import smtplib
import socket
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from comms import delivery_services, delivery_tasks, services
from comms.channels import Message, email, webhook
from comms.choices import Decision
from comms.models import FRAME_LABELS, Contact, Delivery, StakeholderGroup
from comms.panels import statement_headline
from config.celery import app as celery_app
from core.errors import ConflictError
from crisis.choices import Confidentiality, TimelineKind
from crisis.models import LiveEvent, TimelineEntry
from teams.choices import NotificationKind
from teams.models import Notification
from tests.comms.conftest import FRAME
from tests.conftest import as_new_request
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- a loopback webhook receiver --------------------------------------------------------------

class Server(ThreadingHTTPServer):
    request_queue_size = 128  # a batch's webhooks arrive together (5 would refuse some)


class Receiver:
    """An HTTP server in a thread that records each POST and answers with the next status of
    ``answers`` (200 when none is left)."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def keys(self) -> Counter:
        return Counter(headers["idempotency-key"] for headers, _body in self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.CRISISDESK_WEBHOOK_ALLOW_PRIVATE = True  # a loopback receiver
    server = Receiver()
    yield server
    server.close()


# --- helpers ----------------------------------------------------------------------------------

def group(code: str) -> StakeholderGroup:
    return StakeholderGroup.objects.get(code=code)


def contact(name: str, *groups: str, email: str = "", hook: str = "", language: str = "en",
            active: bool = True) -> Contact:
    person = Contact.objects.create(name=name, email=email, language=language,
                                    addresses={"webhook": hook} if hook else {},
                                    is_active=active)
    person.groups.set([group(code) for code in groups])
    return person


@pytest.fixture
def approved(officer, legal, incident):
    """An approved holding statement (in English) naming no audience (any group), ready to
    publish."""
    statement = services.statement_create(
        actor=officer, incident=incident, kind="holding", language="en",
        title="Kettle recall", body="Return your **K2** kettle.",
        **FRAME)
    services.statement_submit(actor=officer, statement=statement)
    statement.refresh_from_db()
    services.statement_decide(actor=legal, statement=statement, decision=Decision.APPROVE,
                              version=statement.current_version)
    statement.refresh_from_db()
    return statement


@pytest.fixture
def publish(officer, django_capture_on_commit_callbacks):
    """Publish to groups (codes) on channels, committing: the sending runs (eager Celery)
    unless ``send=False``."""

    def publish(statement, groups=(), channels=(), *, send=True):
        ids = [group(code).pk for code in groups]
        with django_capture_on_commit_callbacks(execute=send):
            return delivery_services.statement_publish_to(
                actor=officer, statement=statement, groups=ids, channels=channels)

    return publish


def rows(publication) -> list[Delivery]:
    return list(Delivery.objects.filter(publication=publication).order_by("pk"))


# --- recipients -------------------------------------------------------------------------------

def test_recipients_are_resolved_once_groups_times_channels_with_an_address(
        approved, publish, receiver, incident):
    both = contact("Both groups", "customers", "media", email="both@example.com",
                   hook=receiver.url)
    mailed = contact("Email only", "customers", email="mail@example.com")
    contact("Gone", "customers", email="gone@example.com", active=False)
    contact("Phone only", "media")
    contact("Investor", "investors", email="inv@example.com")  # a group not chosen
    publication = publish(approved, ["customers", "media"], ["email", "webhook"], send=False)

    got = {(d.contact.name, d.channel, d.group.code, d.address) for d in rows(publication)}
    assert got == {("Both groups", "email", "customers", "both@example.com"),
                   ("Both groups", "webhook", "customers", receiver.url),
                   ("Email only", "email", "customers", "mail@example.com")}
    assert all((d.status, d.attempts, d.version_number, d.version_hash)
               == ("queued", 0, 1, publication.version_hash) for d in rows(publication))
    assert sorted(g.code for g in publication.target.groups.all()) == ["customers", "media"]
    assert publication.target.channels == ["email", "webhook"]
    # Resolved once: a contact added later, or publishing again (a double click), adds nobody.
    contact("Late", "customers", email="late@example.com")
    assert publish(approved, ["customers", "media"], ["webhook", "email"],
                   send=False) == publication
    # Publishing again to another audience is refused, not answered as if it went to them.
    with pytest.raises(ConflictError, match=r"already published, to Customers, Media "
                                            r"\(Email, Webhook\); a statement goes out once"):
        publish(approved, ["customers", "investors"], ["email"], send=False)
    assert len(rows(publication)) == 3 and {both.pk, mailed.pk} == {
        d.contact_id for d in rows(publication)}


def test_in_app_notices_reach_everyone_who_may_view_the_incident_once(
        approved, publish, officer, legal, incident, assign):
    scribe = assign(incident, "scribe", "scribe")
    type(incident).objects.filter(pk=incident.pk).update(
        confidentiality=Confidentiality.CONFIDENTIAL)  # its team views it, nobody else
    assign(IncidentFactory(), "observer", "elsewhere")  # on another incident only
    contact("Staff desk", "employees", email="staff@example.com")
    publication = publish(approved, ["employees"], ["in_app"])

    deliveries = rows(publication)
    viewers = {d.user for d in deliveries}
    assert {officer, legal, scribe} <= viewers
    assert all(d.user.username != "elsewhere" for d in deliveries)
    assert {d.channel for d in deliveries} == {"in_app"} and all(d.contact is None
                                                                 for d in deliveries)
    notice = Notification.objects.get(recipient=scribe, kind=NotificationKind.STATEMENT_PUBLISHED)
    assert "Kettle recall" in notice.title
    # The publisher is an employee too: everyone's notice is stored, once per delivery.
    assert all(d.status == "sent" for d in deliveries)
    assert Notification.objects.filter(kind=NotificationKind.STATEMENT_PUBLISHED).count() == len(
        deliveries)


def test_publishing_without_groups_publishes_for_the_status_page_only(approved, publish):
    publication = publish(approved)
    approved.refresh_from_db()
    assert approved.status == "published" and rows(publication) == []
    assert list(publication.target.groups.all()) == [] and publication.target.channels == []


@pytest.mark.parametrize(("body", "field"), [
    ({"groups": [999999], "channels": ["email"]}, "groups"),  # no such group
    ({"groups": ["customers"], "channels": ["email"]}, "groups"),  # not an id
    ({"groups": [2**63], "channels": ["email"]}, "groups"),  # beyond 64 bits (was a 500)
    ({"channels": ["fax"]}, "channels"),  # not a channel publications go out on
    ({"groups": "CUSTOMERS", "channels": []}, "channels"),  # groups need a channel
])
def test_publishing_with_a_bad_audience_is_a_400_and_writes_nothing(api_client, officer,
                                                                     approved, body, field):
    if body.get("groups") == "CUSTOMERS":
        body = {**body, "groups": [group("customers").pk]}
    response = as_new_request(api_client, officer).post(
        f"/api/statements/{approved.pk}/publish/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    approved.refresh_from_db()
    assert approved.status == "approved" and not Delivery.objects.exists()


def test_the_browsable_api_draws_a_refused_publish_time_again_as_it_was_typed(
        api_client, officer, approved):
    """After the 400 DRF drew the form again and parsed the time for its datetime-local
    input: ValueError, a 500."""
    response = as_new_request(api_client, officer).post(
        f"/api/statements/{approved.pk}/publish/", {"publish_at": "next tuesday"},
        HTTP_ACCEPT="text/html")
    assert response.status_code == 400
    assert 'name="publish_at" class="form-control" type="text"  value="next tuesday"' \
        in response.content.decode()
    approved.refresh_from_db()
    assert approved.status == "approved"


def test_the_api_publishes_to_the_chosen_audience(api_client, officer, approved,
                                                  django_capture_on_commit_callbacks):
    contact("Press", "media", email="press@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_new_request(api_client, officer).post(
            f"/api/statements/{approved.pk}/publish/",
            {"groups": [group("media").pk], "channels": ["email"]}, format="json")
    assert response.status_code == 200, response.content
    assert [m.to for m in mail.outbox] == [["press@example.com"]]
    assert Delivery.objects.get().status == "sent"


def test_the_statement_page_offers_the_audience_and_publishes_to_it(
        client, officer, approved, django_capture_on_commit_callbacks):
    type(approved).objects.filter(pk=approved.pk).update(audience=["customers"])
    contact("Customer", "customers", email="c@example.com")
    client.force_login(officer)
    url = reverse("crisis:statement-detail", args=[approved.pk])
    page = client.get(url).content.decode()
    customers = group("customers").pk
    assert (f'name="groups" value="{customers}" id="id_groups_0" '
            'class="form-selectgroup-input" checked') in page
    assert 'value="email"' in page and 'value="in_app"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("crisis:statement-publish", args=[approved.pk]),
                               {"version": 1, "groups": [customers], "channels": ["email"]})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["c@example.com"]]
    publication = approved.publication
    page = client.get(url).content.decode()
    assert reverse("crisis:publication-detail", args=[publication.pk]) in page


def test_the_publish_step_says_how_many_each_channel_reaches_before_publishing(
        client, officer, legal, approved):
    both = contact("In both groups", "customers", email="both@example.com")
    both.groups.add(group("partners"))
    contact("Hook only", "partners", hook="https://hooks.example.com/p")
    contact("Gone", "customers", email="gone@example.com", active=False)
    client.force_login(officer)
    url = reverse("crisis:statement-publish-recipients", args=[approved.pk])
    page = client.get(reverse("crisis:statement-detail", args=[approved.pk])).content.decode()
    assert f'hx-get="{url}"' in page  # the step asks on every change

    ids = [group("customers").pk, group("partners").pk]
    answer = client.get(url, {"groups": ids, "channels": ["email", "webhook", "sms", "chat"]})
    text = " ".join(re.sub(r"<[^>]+>", " ", answer.content.decode()).split())
    assert answer.status_code == 200
    assert "Email : 1 recipient " in text  # one contact in two groups: one email
    assert "Webhook : 1 recipient " in text
    assert "SMS (apprise) : 0 recipients (no SMS gateway is set up)" in text
    assert "Chat (apprise) : 0 recipients (none of these groups has a chat room)" in text
    assert "It also appears on the public status page." in text  # a holding statement
    assert "status page only" in client.get(url).content.decode()  # no group
    type(approved).objects.filter(pk=approved.pk).update(kind="internal_memo")
    assert "nobody receives it" in client.get(url).content.decode()  # no group, not public
    huge = client.get(url, {"groups": [2**64], "channels": ["email"]})  # was a 500 on SQLite
    assert huge.status_code == 400 and f"no stakeholder group has the id {2**64}" in \
        huge.content.decode().lower()
    refused = client.get(url, {"groups": ids, "channels": ["fax"]})
    assert refused.status_code == 400 and "not a channel to publish on" in refused.content.decode()
    client.force_login(legal)  # may read the statement, may not publish it
    assert client.get(url, {"groups": ids, "channels": ["email"]}).status_code == 403


# --- email ------------------------------------------------------------------------------------

def test_the_email_is_the_published_text_around_it_the_contacts_language(approved, publish):
    contact("陳小姐", "customers", email="chen@example.com", language="zh-hant")
    contact("Ms Smith", "customers", email="smith@example.com", language="en")
    publish(approved, ["customers"], ["email"])

    by_address = {m.to[0]: m for m in mail.outbox}
    chinese, english = by_address["chen@example.com"], by_address["smith@example.com"]
    for message in (chinese, english):
        assert message.subject == "Kettle recall"
        assert "Return your **K2** kettle." in message.body  # the text as published
        assert message.extra_headers["Content-Language"] == "en"
        html = message.alternatives[0][0]
        assert message.alternatives[0][1] == "text/html"
        assert "<strong>K2</strong>" in html and FRAME["what_happened"] in html
    with translation.override("zh-hant"):
        label_zh = str(FRAME_LABELS["what_happened"])
    assert label_zh != str(FRAME_LABELS["what_happened"])  # the catalog has it
    assert label_zh.capitalize() in chinese.body and label_zh not in english.body
    assert "What happened" in english.body


def test_a_printed_email_is_not_counted_as_sent(approved, publish, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    contact("Press", "media", email="press@example.com")
    delivery = rows(publish(approved, ["media"], ["email"]))[0]
    assert "Subject: Kettle recall" in capsys.readouterr().out  # what would go out
    assert delivery.status == "failed" and "console" in delivery.last_error


def test_an_unreachable_mail_server_leaves_the_batch_for_the_next_attempt(approved, publish,
                                                                          settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    for n in range(3):
        contact(f"Customer {n}", "customers", email=f"c{n}@example.com")
    publication = publish(approved, ["customers"], ["email"])
    assert {(d.status, d.attempts) for d in rows(publication)} == {("queued", 1)}
    assert all("could not be reached" in d.last_error for d in rows(publication))


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on loopback that Django's SMTP backend sends to; the
    messages it received, as (recipients, content)."""
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    with socket.socket() as probe:  # a free port (aiosmtpd checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield received
    controller.stop()


def test_a_real_smtp_server_receives_the_email(approved, publish, smtp_server):
    contact("Regulator", "regulators", email="desk@regulator.example")
    publication = publish(approved, ["regulators"], ["email"])
    assert [to for to, _content in smtp_server] == [["desk@regulator.example"]]
    content = smtp_server[0][1]
    assert "Subject: Kettle recall" in content and "text/html" in content
    assert rows(publication)[0].status == "sent"


def test_an_email_sent_again_after_a_dead_worker_carries_the_same_message_id(
        approved, publish, smtp_server, settings):
    settings.DEFAULT_FROM_EMAIL = "Desk <desk@crisis.example>"
    contact("Regulator", "regulators", email="desk@regulator.example")
    publication = publish(approved, ["regulators"], ["email"], send=False)
    # The worker claims, sends, and dies before recording the result; the sweep sends again.
    [claimed] = delivery_services.deliveries_claim(publication_id=publication.pk)
    assert email.send(claimed, Message.of(publication)).sent
    later = timezone.now() + delivery_services.STALE_AFTER + timedelta(seconds=1)
    assert delivery_services.deliveries_requeue_stale(now=later) == [publication.pk]
    assert delivery_tasks.deliveries_send(publication.pk) == 1
    delivery = rows(publication)[0]
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    # Two copies, one Message-ID (a mail store keeps one), the same whatever the attempt.
    ids = [email_parser.message_from_string(content)["Message-ID"]
           for _to, content in smtp_server]
    assert ids == [f"<delivery.{delivery.idempotency_key}@crisis.example>"] * 2


def test_an_invalid_address_fails_for_good_and_smtp_4xx_is_tried_again(approved, publish,
                                                                        monkeypatch):
    contact("Typo", "customers", email="typo@example.com")
    Contact.objects.filter(name="Typo").update(email="not an address")
    publication = publish(approved, ["customers"], ["email"])
    failed = rows(publication)[0]
    assert (failed.status, failed.attempts) == ("failed", 1) and "not an email" in failed.last_error

    def busy(self, *args, **kwargs):
        raise smtplib.SMTPResponseException(451, b"try later")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", busy)
    Delivery.objects.filter(pk=failed.pk).update(status="queued", attempts=0,
                                                  address="ok@example.com")
    delivery_tasks.deliveries_send(publication.pk)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("queued", 1) and "451" in failed.last_error
    assert failed.next_attempt_at > timezone.now()


# --- webhooks ---------------------------------------------------------------------------------

def test_the_webhook_is_signed_verifiably_and_carries_only_what_was_published(
        approved, publish, receiver):
    contact("Scheduler", "partners", hook=receiver.url)
    publication = publish(approved, ["partners"], ["webhook"])

    [(headers, body)] = receiver.requests
    delivery = rows(publication)[0]
    assert delivery.status == "sent"
    assert headers["idempotency-key"] == str(delivery.idempotency_key)
    # The documented verification: HMAC-SHA256 of "<timestamp>.<body>" with the secret.
    timestamp = headers["x-crisisdesk-timestamp"]
    expected = hmac.new(settings.CRISISDESK_WEBHOOK_SECRET.encode(),
                        timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-crisisdesk-signature"], f"sha256={expected}")
    assert abs(int(timestamp) - time.time()) < 60
    data = json.loads(body)
    assert set(data) == {"statement", "title", "language", "version", "hash", "text",
                         "published_at"}
    assert (data["statement"], data["version"], data["hash"]) == (
        approved.pk, 1, publication.version_hash)
    assert "Return your **K2** kettle." in data["text"]


def test_a_5xx_is_tried_again_with_backoff_and_a_4xx_is_final(approved, publish, receiver):
    contact("Flaky", "partners", hook=receiver.url)
    receiver.answers = [503]
    publication = publish(approved, ["partners"], ["webhook"])
    delivery = rows(publication)[0]
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert "503" in delivery.last_error
    assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=20)

    # Not due yet: the sweep sends nothing; once due, it does, and a 400 is final.
    assert delivery_tasks.sweep_deliveries() == []
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    receiver.answers = [400]
    assert delivery_tasks.sweep_deliveries() == [publication.pk]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2) and "400" in delivery.last_error
    assert set(receiver.keys()) == {str(delivery.idempotency_key)}


def test_transient_errors_stop_at_the_cap(approved, publish, receiver):
    contact("Down", "partners", hook=receiver.url)
    receiver.answers = [500] * 10
    publication = publish(approved, ["partners"], ["webhook"])
    delivery = rows(publication)[0]
    for _attempt in range(delivery_services.MAX_ATTEMPTS - 1):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        delivery_tasks.sweep_deliveries()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", delivery_services.MAX_ATTEMPTS)
    assert len(receiver.requests) == delivery_services.MAX_ATTEMPTS


def test_a_receiver_that_hangs_is_a_recorded_timeout(approved, publish, monkeypatch, settings):
    settings.CRISISDESK_WEBHOOK_ALLOW_PRIVATE = True
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(1)  # accepts the connection, never answers
    monkeypatch.setattr(webhook, "TIMEOUT", 0.5)
    try:
        contact("Slow", "partners", hook=f"http://127.0.0.1:{hanging.getsockname()[1]}/")
        publication = publish(approved, ["partners"], ["webhook"])
    finally:
        hanging.close()
    delivery = rows(publication)[0]
    assert delivery.status == "queued" and "No answer within" in delivery.last_error


def test_a_webhook_to_a_private_or_local_address_is_refused_typed_and_sent_unless_allowed(
        approved, publish, receiver, settings):
    from django.core.exceptions import ValidationError

    from comms.stakeholder_services import check_address

    settings.CRISISDESK_WEBHOOK_ALLOW_PRIVATE = False
    for url in ("https://169.254.169.254/latest/meta-data/", "https://10.0.0.8/hook",
                "https://[::ffff:127.0.0.1]/", "https://localhost/hook"):
        with pytest.raises(ValidationError, match="private or local address"):
            check_address("webhook", url)
    assert check_address("webhook", "https://hooks.example.com/x")  # a name: checked on sending
    # A name that resolves to loopback (as one could be made to) is refused on the
    # connection, before a byte is sent, and for good.
    contact("Inside", "partners", hook=receiver.url.replace("127.0.0.1", "localhost"))
    publication = publish(approved, ["partners"], ["webhook"])
    [delivery] = rows(publication)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "private or local address (127.0.0.1)" in delivery.last_error
    assert receiver.requests == []

    settings.CRISISDESK_WEBHOOK_ALLOW_PRIVATE = True  # an internal receiver, allowed
    assert check_address("webhook", "https://10.0.0.8/hook")
    delivery_services.delivery_resend(actor=publication.published_by, delivery=delivery)
    delivery_tasks.deliveries_send(publication.pk)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(receiver.requests) == 1


# --- exactly once -----------------------------------------------------------------------------

def test_a_claimed_row_is_never_claimed_again_until_swept(approved, publish, receiver):
    contact("Scheduler", "partners", hook=receiver.url)
    publication = publish(approved, ["partners"], ["webhook"], send=False)
    [claimed] = delivery_services.deliveries_claim(publication_id=publication.pk)
    assert (claimed.status, claimed.attempts) == ("sending", 1)
    assert Delivery.objects.get().status == "sending"  # committed before any send
    assert delivery_services.deliveries_claim(publication_id=publication.pk) == []
    assert delivery_tasks.deliveries_send(publication.pk) == 0 and receiver.requests == []


def test_a_worker_dying_after_the_send_sends_at_most_once_more_with_the_same_key(
        approved, publish, receiver):
    contact("Scheduler", "partners", hook=receiver.url)
    publication = publish(approved, ["partners"], ["webhook"], send=False)
    # The worker claims, sends, and dies before recording the result.
    [claimed] = delivery_services.deliveries_claim(publication_id=publication.pk)
    assert webhook.send(claimed, Message.of(publication)).sent
    # Not stale yet: the sweep leaves it alone.
    assert delivery_services.deliveries_requeue_stale() == []
    later = timezone.now() + delivery_services.STALE_AFTER + timedelta(seconds=1)
    assert delivery_services.deliveries_requeue_stale(now=later) == [publication.pk]
    assert delivery_tasks.deliveries_send(publication.pk) == 1
    delivery = rows(publication)[0]
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert receiver.keys() == Counter({str(delivery.idempotency_key): 2})  # one key, twice
    # The late result of the dead worker's claim is not recorded over the new one.
    assert delivery_services.delivery_record_result(delivery=claimed, error="late") == ""
    assert rows(publication)[0].status == "sent"


def test_progress_is_one_live_event_per_batch_not_per_delivery(approved, publish, receiver,
                                                               incident, monkeypatch):
    monkeypatch.setattr(delivery_tasks, "BATCH", 2)
    for n in range(5):
        contact(f"Partner {n}", "partners", hook=receiver.url)
    publication = publish(approved, ["partners"], ["webhook"])
    events = list(LiveEvent.objects.filter(incident=incident, type="delivery.changed")
                  .order_by("seq"))
    assert len(events) == 1 + 3  # planned, then batches of 2, 2, 1
    assert events[-1].data["counts"]["sent"] == 5
    assert events[-1].data["updated"] == [publication.pk]
    assert len(receiver.requests) == 5 and len(receiver.keys()) == 5


# --- resend -----------------------------------------------------------------------------------

@pytest.fixture
def failed(approved, publish, receiver):
    contact("Refuses", "partners", hook=receiver.url)
    receiver.answers = [410]
    publication = publish(approved, ["partners"], ["webhook"])
    delivery = rows(publication)[0]
    assert delivery.status == "failed"
    return delivery


def test_a_failed_delivery_is_resent_by_hand_once_and_logged(
        api_client, officer, failed, receiver, incident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_new_request(api_client, officer).post(
            f"/api/deliveries/{failed.pk}/resend/", {}, format="json")
    assert response.status_code == 200, response.content
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 2)
    assert receiver.keys() == Counter({str(failed.idempotency_key): 2})
    entry = TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.STATEMENT,
                                         data__action="delivery_resent").get()
    assert (entry.actor, entry.data["delivery"], entry.data["channel"]) == (
        officer, failed.pk, "webhook")
    assert statement_headline(entry.data) == (
        "“Kettle recall” (version 1): a failed delivery sent again by hand")
    assert "Refuses" not in entry.body  # the contact's name stays off the timeline
    # A sent delivery is never sent again by hand.
    again = as_new_request(api_client, officer).post(f"/api/deliveries/{failed.pk}/resend/",
                                                     {}, format="json")
    assert again.status_code == 409
    assert len(receiver.requests) == 2


def test_resending_takes_the_publish_right_and_hides_other_incidents(
        api_client, client, failed, assign, incident):
    scribe = assign(incident, "scribe", "scribe")
    outsider = UserFactory(username="stranger")
    type(incident).objects.filter(pk=incident.pk).update(
        confidentiality=Confidentiality.CONFIDENTIAL)
    url = f"/api/deliveries/{failed.pk}/resend/"
    assert as_new_request(api_client, scribe).post(url, {}, format="json").status_code == 403
    assert as_new_request(api_client, outsider).post(url, {}, format="json").status_code == 404
    client.force_login(outsider)
    assert client.post(reverse("crisis:delivery-resend", args=[failed.pk])).status_code == 404
    assert client.get(reverse("crisis:publication-detail",
                              args=[failed.publication_id])).status_code == 404
    for path in ("/api/publications/", "/api/deliveries/"):
        assert as_new_request(api_client, outsider).get(path).json()["results"] == []
    assert as_new_request(api_client, outsider).get(
        f"/api/publications/{failed.publication_id}/").status_code == 404
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("failed", 1)


# --- the publication page and the API ---------------------------------------------------------

def test_the_publication_page_counts_per_group_and_channel_and_offers_resend(
        client, officer, failed, receiver, assign, incident, django_capture_on_commit_callbacks):
    contact("Customer", "customers", email="c@example.com")
    client.force_login(officer)
    url = reverse("crisis:publication-detail", args=[failed.publication_id])
    page = client.get(url).content.decode()
    assert 'id="delivery-counts"' in page and "Partners / suppliers" in page
    assert "Acknowledged" in page  # the column of confirmed receipts (comms.acknowledgements)
    assert "410" in page and "Refuses" in page and receiver.url in page
    assert reverse("crisis:delivery-resend", args=[failed.pk]) in page
    assert 'cd-stack" id="failed-deliveries"' in page  # one block per delivery on a phone
    assert f"live:delivery.changed:updated:{failed.publication_id}" in page

    # Someone who may view the incident but not publish sees the counts only.
    scribe = assign(incident, "scribe", "scribe")
    client.force_login(scribe)
    page = client.get(url).content.decode()
    assert 'id="delivery-counts"' in page and "Refuses" not in page
    assert reverse("crisis:delivery-resend", args=[failed.pk]) not in page
    assert client.post(reverse("crisis:delivery-resend", args=[failed.pk])).status_code == 403

    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("crisis:delivery-resend", args=[failed.pk]))
    assert response.status_code == 302
    again = client.post(reverse("crisis:delivery-resend", args=[failed.pk]))
    assert again.status_code == 409 and "Only a failed delivery" in again.content.decode()


def test_the_api_lists_publications_with_counts_and_filters_deliveries(
        api_client, officer, failed, assign, incident):
    api = as_new_request(api_client, officer)
    [item] = api.get(f"/api/publications/?incident={incident.pk}").json()["results"]
    assert item["counts"] == {"queued": 0, "sending": 0, "sent": 0, "failed": 1,
                              "acknowledged": 0}
    assert item["groups"] == [group("partners").pk] and item["channels"] == ["webhook"]
    assert api.get(f"/api/publications/?statement={failed.publication.statement_id}"
                   ).json()["count"] == 1
    listed = api.get(f"/api/deliveries/?publication={failed.publication_id}&status=failed"
                     ).json()["results"]
    assert [(d["id"], d["recipient"], d["status"]) for d in listed] == [
        (failed.pk, "Refuses", "failed")]
    assert api.get("/api/deliveries/?status=sent").json()["results"] == []
    scribe = assign(incident, "scribe", "scribe")
    [seen] = as_new_request(api_client, scribe).get("/api/deliveries/").json()["results"]
    assert (seen["recipient"], seen["address"]) == (None, None)  # personal data



# --- a real worker -------------------------------------------------------------------------------

@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_every_delivery_once_after_commit(approved, officer, receiver,
                                                              celery_not_eager, monkeypatch):
    """Not eager: the sending travels through the broker (Redis, or memory without
    REDIS_URL) to a worker, after the publication has committed, in batches."""
    monkeypatch.setattr(delivery_tasks, "BATCH", 7)
    for n in range(30):
        contact(f"Partner {n}", "partners", hook=receiver.url)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        publication = delivery_services.statement_publish_to(
            actor=officer, statement=approved, groups=[group("partners").pk],
            channels=["webhook"])
        deadline = time.monotonic() + 30
        while (Delivery.objects.filter(publication=publication, status="sent").count() < 30
               and time.monotonic() < deadline):
            time.sleep(0.1)
    assert Delivery.objects.filter(publication=publication, status="sent").count() == 30
    keys = receiver.keys()
    assert len(keys) == 30 and set(keys.values()) == {1}  # each received once
    assert keys.keys() == {str(d.idempotency_key) for d in rows(publication)}


def test_a_statement_goes_only_to_the_audiences_it_was_approved_for(
        api_client, officer, approved, client):
    """Legal approved the kettle recall for customers: the publish step offers the
    customers' groups only, and the API refuses the regulators (400). (A statement that
    names no audience may go to any group.)"""
    type(approved).objects.filter(pk=approved.pk).update(audience=["customers"])
    api = as_new_request(api_client, officer)
    refused = api.post(f"/api/statements/{approved.pk}/publish/",
                       {"groups": [group("regulators").pk], "channels": ["email"]},
                       format="json")
    assert refused.status_code == 400
    assert "not among the audiences" in refused.json()["groups"][0]
    assert not Delivery.objects.exists()
    approved.refresh_from_db()
    assert approved.status == "approved"  # nothing published
    client.force_login(officer)
    page = client.get(reverse("crisis:statement-detail", args=[approved.pk])).content.decode()
    offered = {int(pk) for pk in re.findall(r'name="groups" value="(\d+)"', page)}
    assert offered == set(StakeholderGroup.objects.filter(kind="customers")
                          .values_list("pk", flat=True))
