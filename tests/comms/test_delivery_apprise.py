"""Chat and SMS through apprise (comms.channels.apprise, the recipients of comms.delivery_services,
comms.apprise_admin): a group's chat rooms and the SMS gateway notified for real (apprise's
json:// scheme posting to a loopback receiver), an URL apprise cannot use failing for good
with the reason, an error answer tried again with backoff, and the URL's secret never shown
back: not in the admin, the API, the publication page or a recorded error."""

import base64
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from comms import delivery_services, services
from comms.channels.apprise import masked_url
from comms.choices import Decision
from comms.models import AppriseEndpoint, Contact, Delivery, StakeholderGroup
from tests.comms.conftest import FRAME
from tests.conftest import as_new_request
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "S3cretT0ken"


class Receiver:
    """An HTTP server in a thread standing in for Slack, Teams or an SMS gateway: records
    each POST (path, headers, JSON body) and answers the next status of ``answers``."""

    def __init__(self):
        self.requests: list[tuple[str, dict, dict]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, {k.lower(): v for k, v in
                                                      self.headers.items()}, json.loads(body)))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str, user: str = "hook") -> str:
        return f"json://{user}:{SECRET}@127.0.0.1:{self.port}/{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def group(code: str) -> StakeholderGroup:
    return StakeholderGroup.objects.get(code=code)


def endpoint(name: str, url: str, *, code: str | None = "customers", channel: str = "chat",
             active: bool = True) -> AppriseEndpoint:
    return AppriseEndpoint.objects.create(name=name, channel=channel, url=url, is_active=active,
                                          group=group(code) if code else None)


def contact(name: str, *, phone: str = "", addresses=None, email: str = "") -> Contact:
    person = Contact.objects.create(name=name, phone=phone, email=email,
                                    addresses=addresses or {})
    person.groups.set([group("customers")])
    return person


@pytest.fixture
def approved(officer, legal, incident):
    statement = services.statement_create(
        actor=officer, incident=incident, kind="holding", language="en",
        title="Kettle recall", body="Return your K2 kettle.", audience=["customers"], **FRAME)
    services.statement_submit(actor=officer, statement=statement)
    statement.refresh_from_db()
    services.statement_decide(actor=legal, statement=statement, decision=Decision.APPROVE,
                              version=statement.current_version)
    statement.refresh_from_db()
    return statement


@pytest.fixture
def publish(officer, approved, django_capture_on_commit_callbacks):
    """Publish the approved statement to customers on ``channels`` (sent, eager Celery)."""

    def publish(*channels):
        with django_capture_on_commit_callbacks(execute=True):
            publication = delivery_services.statement_publish_to(
                actor=officer, statement=approved, groups=[group("customers").pk],
                channels=channels)
        return list(Delivery.objects.filter(publication=publication).order_by("pk"))

    return publish


def test_the_masked_url_is_apprises_private_form_or_only_the_scheme():
    assert masked_url("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ").startswith(
        "slack://T...2/A...D/T...Q")
    assert masked_url(f"msteams://{SECRET}/not/a/webhook") == "msteams://…"
    assert masked_url("no scheme at all") == "…"


def test_each_active_chat_room_of_the_group_hears_the_statement_and_the_secret_stays_hidden(
        publish, receiver, api_client, officer):
    room = endpoint("Customer care on Teams", receiver.url("room"))
    endpoint("Old room", receiver.url("old"), active=False)
    endpoint("Press room", receiver.url("press"), code="media")  # a group not chosen

    [delivery] = publish("chat")

    assert (delivery.channel, delivery.endpoint, delivery.contact, delivery.status) == (
        "chat", room, None, "sent")
    assert delivery.address == f"json://hook:****@127.0.0.1:{receiver.port}/room"
    [(path, headers, body)] = receiver.requests
    assert path == "/room" and body["title"] == "Kettle recall"
    assert body["message"].startswith("Return your K2 kettle.\n\nWhat happened: ")
    assert headers["authorization"] == "Basic " + base64.b64encode(
        f"hook:{SECRET}".encode()).decode()
    api = as_new_request(api_client, officer).get("/api/deliveries/")
    assert api.json()["results"][0]["address"] == delivery.address
    assert api.json()["results"][0]["recipient"] == "Customer care on Teams"
    assert SECRET not in api.content.decode()


def test_a_text_goes_through_the_active_gateway_to_each_contacts_number(publish, receiver):
    gateway = endpoint("Gateway", receiver.url("sms", user="gw"), code=None, channel="sms")
    endpoint("Old gateway", receiver.url("old", user="gw"), code=None, channel="sms",
             active=False)
    phone = contact("Phone", phone="+886912345678")
    elsewhere = contact("Texts elsewhere", phone="+886911111111",
                        addresses={"sms": "+886922222222"})
    contact("Email only", email="mail@example.com")

    deliveries = publish("sms")

    assert {(d.contact, d.endpoint, d.address, d.status) for d in deliveries} == {
        (phone, gateway, "+886912345678", "sent"),
        (elsewhere, gateway, "+886922222222", "sent")}
    assert sorted(path for path, _headers, _body in receiver.requests) == [
        "/sms/+886912345678", "/sms/+886922222222"]
    assert all(body["message"].startswith("Return your K2 kettle.")
               for _path, _headers, body in receiver.requests)


def test_no_active_gateway_means_no_texts(publish):
    contact("Phone", phone="+886912345678")
    assert publish("sms") == []


def test_an_url_apprise_cannot_use_fails_for_good_naming_the_problem(publish, client, officer):
    endpoint("Typo", f"msteams://{SECRET}/not/a/webhook")

    [delivery] = publish("chat")

    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "Typo" in delivery.last_error and "Unparseable" in delivery.last_error
    assert delivery.address == "msteams://…"
    # The publication page lists it, with its reason, and without the secret.
    client.force_login(officer)
    page = client.get(reverse("crisis:publication-detail", args=[delivery.publication_id]))
    assert "Typo" in page.content.decode() and "Unparseable" in page.content.decode()
    assert SECRET not in page.content.decode()


def test_an_error_answer_is_tried_again_with_backoff(publish, receiver):
    endpoint("Flaky", receiver.url("room"))
    receiver.answers = [500]

    [delivery] = publish("chat")

    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert "500" in delivery.last_error and SECRET not in delivery.last_error
    assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=20)


def test_the_publish_api_takes_chat_and_sms(api_client, officer, approved, receiver):
    endpoint("Room", receiver.url("room"))
    endpoint("Gateway", receiver.url("sms"), code=None, channel="sms")
    contact("Phone", phone="+886912345678")

    response = as_new_request(api_client, officer).post(
        f"/api/statements/{approved.pk}/publish/",
        {"groups": [group("customers").pk], "channels": ["chat", "sms"]}, format="json")

    assert response.status_code == 200, response.content
    assert sorted(Delivery.objects.values_list("channel", flat=True)) == ["chat", "sms"]


# --- the admin ------------------------------------------------------------------------------

ADD = "/admin/comms/appriseendpoint/add/"


def form(**values) -> dict:
    return {"name": "Customer care", "channel": "chat", "group": str(group("customers").pk),
            "url": "", "is_active": "on", **values}


def test_the_admin_takes_the_url_and_never_shows_it_back(client, admin, receiver):
    client.force_login(admin)
    url = receiver.url("room")
    refused = client.post(ADD, form(url=f"msteams://{SECRET}/not/a/webhook"))
    assert refused.status_code == 200 and not AppriseEndpoint.objects.exists()
    assert "Apprise cannot use this URL" in refused.content.decode()
    no_group = client.post(ADD, form(url=url, group=""))
    assert "A chat room belongs to a stakeholder group" in no_group.content.decode()
    assert client.post(ADD, form(url="")).context["adminform"].form.errors["url"]

    assert client.post(ADD, form(url=url)).status_code == 302
    room = AppriseEndpoint.objects.get()
    assert room.url == url
    change = f"/admin/comms/appriseendpoint/{room.pk}/change/"
    pages = [refused, no_group, client.get(ADD), client.get(change),
             client.get("/admin/comms/appriseendpoint/")]
    assert all(SECRET not in page.content.decode() for page in pages)
    assert f"json://hook:****@127.0.0.1:{receiver.port}/room" in pages[3].content.decode()
    assert 'type="password" name="url"' in pages[3].content.decode()

    # Left empty on a change, the URL is kept.
    assert client.post(change, form(name="Customer desk")).status_code == 302
    room.refresh_from_db()
    assert (room.name, room.url) == ("Customer desk", url)


def test_one_sms_gateway_for_every_group(client, admin, receiver):
    client.force_login(admin)
    endpoint("Gateway", receiver.url("sms"), code=None, channel="sms")
    with_group = client.post(ADD, form(channel="sms", url=receiver.url("two")))
    assert "leave the group empty" in with_group.content.decode()
    second = client.post(ADD, form(channel="sms", group="", url=receiver.url("two")))
    assert "“Gateway” is the active SMS gateway" in second.content.decode()
    assert AppriseEndpoint.objects.count() == 1


def test_administrators_manage_the_endpoints(client):
    administrator = UserFactory(is_staff=True)
    administrator.groups.add(Group.objects.get(name="Administrators"))
    client.force_login(administrator)
    assert client.get(ADD).status_code == 200
