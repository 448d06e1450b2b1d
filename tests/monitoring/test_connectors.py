"""Connector webhooks (``POST /api/connectors/<slug>/webhook/``): HMAC-SHA256 over
"<timestamp>.<body>" with the connector's secret, refusing unsigned, badly signed, stale
and replayed requests, and unknown or switched-off connectors."""

import json
import time

import pytest
from django.core.cache import cache
from django.test import Client

from monitoring.connectors import signature
from monitoring.models import Connector, Mention

SECRET = "s3cret-s3cret-s3cret-s3cret-s3cret"
BODY = json.dumps([{"external_id": "w1", "text": "The kettle leaks",
                    "posted_at": "2026-11-20T09:30:00+08:00"}]).encode()


@pytest.fixture(autouse=True)
def no_signatures_seen():
    """Signatures seen are kept in the cache, which outlives a test's rolled-back rows: an
    earlier test's request in the same second, to a connector under the same id, would
    count as a replay."""
    cache.clear()


@pytest.fixture
def connector(db):
    return Connector.objects.create(slug="listening", name="Listening suite", secret=SECRET,
                                    platform="weibo")


def send(body: bytes = BODY, *, slug: str = "listening", timestamp: str | None = None,
         secret: str = SECRET, signed: str | None = None):
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    headers = {"HTTP_X_CRISISDESK_TIMESTAMP": timestamp,
               "HTTP_X_CRISISDESK_SIGNATURE": signed or signature(
                   secret=secret, timestamp=timestamp, body=body)}
    return Client().post(f"/api/connectors/{slug}/webhook/", body,
                         content_type="application/json", **headers)


def test_a_signed_request_is_stored_with_the_connectors_platform(connector):
    answer = send()
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"created": 1, "updated": 0, "errors": []}
    mention = Mention.objects.get()
    assert (mention.platform, mention.source, mention.external_id) == ("weibo", "connector",
                                                                        "w1")
    wrapped = json.dumps({"mentions": [{"external_id": "w2", "text": "again", "platform": "x",
                                        "posted_at": "2026-11-20T09:31:00Z"}]}).encode()
    assert send(wrapped).json()["created"] == 1
    assert Mention.objects.get(external_id="w2").platform == "x"


@pytest.mark.parametrize(("kwargs", "status", "says"), [
    ({"secret": "another secret"}, 401, "does not match"),
    ({"signed": "sha256=" + "0" * 64}, 401, "does not match"),
    ({"signed": "garbage ünïcode"}, 401, "does not match"),
    ({"timestamp": -301}, 401, "seconds old"),  # from now, when the test runs
    ({"timestamp": +600}, 401, "ahead"),
    ({"timestamp": "yesterday"}, 400, "Unix seconds"),
])
def test_bad_signatures_and_stale_requests_are_refused(connector, kwargs, status, says):
    if isinstance(kwargs.get("timestamp"), int):  # an offset: the suite may run for minutes
        kwargs = {**kwargs, "timestamp": str(int(time.time()) + kwargs["timestamp"])}
    answer = send(**kwargs)
    assert answer.status_code == status
    assert says in answer.json()["detail"]
    assert not Mention.objects.exists()


def test_an_unsigned_request_is_refused(connector):
    answer = Client().post("/api/connectors/listening/webhook/", BODY,
                           content_type="application/json")
    assert answer.status_code == 401
    assert "X-CrisisDesk-Signature" in answer.json()["detail"]
    assert not Mention.objects.exists()


def test_a_replay_is_refused(connector):
    timestamp = str(int(time.time()))
    assert send(timestamp=timestamp).status_code == 200
    Mention.objects.all().delete()
    again = send(timestamp=timestamp)
    assert again.status_code == 401 and "already received" in again.json()["detail"]
    assert not Mention.objects.exists()


def test_unknown_and_switched_off_connectors_are_not_found(connector):
    assert send(slug="nobody").status_code == 404
    Connector.objects.filter(pk=connector.pk).update(is_active=False)
    assert send().status_code == 404
    assert not Mention.objects.exists()


def test_a_signed_body_that_is_not_a_list_is_a_400(connector):
    answer = send(b'{"text": "one"}')
    assert answer.status_code == 400 and "JSON array" in answer.json()["detail"]


def test_the_admin_never_shows_a_connectors_secret_and_keeps_it_when_left_empty(connector):
    from tests.teams.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = f"/admin/monitoring/connector/{connector.pk}/change/"
    assert SECRET not in client.get(page).content.decode()
    kept = client.post(page, {"name": "Renamed", "slug": "listening", "platform": "x",
                              "secret": "", "is_active": "on"})
    assert kept.status_code == 302
    assert Connector.objects.get().secret == SECRET
    assert SECRET not in client.get("/admin/monitoring/connector/").content.decode()
