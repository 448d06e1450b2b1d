"""Websocket handshakes only from this site's own pages.

Channels' ``AllowedHostsOriginValidator`` compares the Origin's host name alone, so a page
on ``http://localhost:9999`` could open a socket on ``http://localhost:8000`` with the
user's cookies. Here the Origin must match, scheme, host and port, either the address the
socket was opened on (its Host header; https when the socket is wss or the proxy says
``X-Forwarded-Proto: https``) or an entry of ``CSRF_TRUSTED_ORIGINS``, and its host must be
one of ``ALLOWED_HOSTS``: what Django's CSRF check asks of a form post.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _normalised(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname.lower(), port


def origin_allowed(scope) -> bool:
    headers = dict(scope.get("headers") or [])
    origin = _normalised(headers.get(b"origin", b"").decode("latin1"))
    if origin is None:
        return False
    _, host, _ = origin
    if not validate_host(host, settings.ALLOWED_HOSTS):
        return False
    forwarded = headers.get(b"x-forwarded-proto", b"").decode("latin1").split(",")[0].strip()
    own_scheme = "https" if scope.get("scheme") == "wss" or forwarded == "https" else "http"
    own = _normalised(f"{own_scheme}://{headers.get(b'host', b'').decode('latin1')}")
    trusted = {_normalised(entry) for entry in settings.CSRF_TRUSTED_ORIGINS}
    return origin == own or origin in trusted


class SameOriginValidator:
    """ASGI middleware in front of the websocket routes: other origins are refused (403)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.application(scope, receive, send)
