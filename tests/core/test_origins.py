"""The public surface: websocket origins, the API's schema and docs, /healthz."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from tests.crisis.test_consumers import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("origin", "host", "extra", "allowed"), [
    ("http://localhost", "localhost", [], True),
    ("http://localhost:8000", "localhost:8000", [], True),
    ("http://localhost:9999", "localhost:8000", [], False),  # another port: another site
    ("http://localhost:9999", "localhost", [], False),
    ("https://localhost", "localhost", [], False),  # another scheme
    ("https://localhost", "localhost", [(b"x-forwarded-proto", b"https")], True),
    ("http://evil.example", "evil.example", [], False),  # not an allowed host
    ("null", "localhost", [], False),
])
async def test_a_socket_opens_only_from_this_sites_own_origin(lead, origin, host, extra,
                                                               allowed):
    cookie = await sync_to_async(session_cookie)(lead)
    socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[
        (b"origin", origin.encode()), (b"host", host.encode()), (b"cookie", cookie), *extra])
    connected, _ = await socket.connect()
    assert connected is allowed
    await socket.disconnect()


async def test_a_trusted_origin_from_settings_may_open_a_socket(lead, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://crisis.example.com"]
    settings.ALLOWED_HOSTS = ["crisis.example.com", "localhost"]
    cookie = await sync_to_async(session_cookie)(lead)
    socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[
        (b"origin", b"https://crisis.example.com"), (b"host", b"127.0.0.1:8001"),
        (b"cookie", cookie)])
    connected, _ = await socket.connect()
    assert connected
    await socket.disconnect()


def test_the_api_schema_and_docs_need_a_signed_in_user(client, lead):
    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code == 302
    client.force_login(lead)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_healthz_tells_strangers_only_ok_or_unavailable(client, lead, django_user_model):
    stranger = client.get("/healthz", REMOTE_ADDR="203.0.113.5")
    assert stranger.status_code == 200 and stranger.json() == {"status": "ok"}
    local = client.get("/healthz", REMOTE_ADDR="127.0.0.1").json()
    assert set(local) >= {"status", "checks", "mode"}
    staff = django_user_model.objects.create_user("ops", is_staff=True)
    client.force_login(staff)
    assert "checks" in client.get("/healthz", REMOTE_ADDR="203.0.113.5").json()
    client.force_login(lead)  # signed in, not staff: a stranger to the details
    assert client.get("/healthz", REMOTE_ADDR="203.0.113.5").json() == {"status": "ok"}


def test_the_favicon_is_found_by_pages_and_by_the_conventional_path(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page and "favicon" in page
