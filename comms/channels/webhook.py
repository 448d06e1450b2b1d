"""Webhook: a JSON POST of what was published, signed.

Headers: ``X-CrisisDesk-Timestamp`` (Unix seconds), ``X-CrisisDesk-Signature:
sha256=<hex>`` (HMAC-SHA256, keyed by ``settings.CRISISDESK_WEBHOOK_SECRET``, of
``"<timestamp>.<body>"``, the body's bytes as sent) and ``Idempotency-Key`` (the
delivery's, the same on every attempt: a receiver drops what it has seen). 2xx is sent;
timeouts (``TIMEOUT`` seconds to connect, and between bytes of the answer), connection and
TLS errors, 408, 425, 429 and 5xx are tried again; other answers, redirects included, are
final. Where the group requires acknowledgement the body carries ``acknowledge_url``.

Receivers must be public hosts: a connection that reaches a loopback, private, link-local
(169.254.169.254, a cloud's metadata service), shared or reserved address is closed before
anything is sent and the delivery fails for good, unless ``CRISISDESK_WEBHOOK_ALLOW_PRIVATE``
is on (an internal system as a receiver; the tests' loopback receivers). The address is
checked on the connection itself, after DNS, so a name that resolves (or re-resolves) to an
internal address is refused too; behind a proxy from the environment the target's name is
resolved and checked before the request."""

import hashlib
import hmac
import ipaddress
import json
import socket
import threading
import time
import urllib.request
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..acknowledgement_links import acknowledgement_link
from ..models import Delivery
from . import SENT, Message, Outcome

TIMEOUT = 10  # seconds
TRANSIENT_STATUSES = {408, 425, 429}


def payload(message: Message, *, acknowledge_url: str = "") -> bytes:
    """The JSON body; ``acknowledge_url`` only where the group asks for acknowledgement."""
    data = {
        "statement": message.statement, "title": message.title, "language": message.language,
        "version": message.version, "hash": message.hash, "text": message.text(),
        "published_at": message.published_at.isoformat(),
    }
    if acknowledge_url:
        data["acknowledge_url"] = acknowledge_url
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                      hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def not_public(address: str) -> bool:
    """Whether an IP address is one a webhook may not reach: loopback, private, link-local,
    shared, reserved, unspecified or multicast (an IPv4-mapped IPv6 address as its IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def private_host(url: str) -> str:
    """The host of ``url`` when it names an address a webhook may not reach without DNS (an
    IP address or ``localhost``) and private targets are not allowed; else "". For checking
    addresses as they are typed; the connection is checked again when sending."""
    if settings.CRISISDESK_WEBHOOK_ALLOW_PRIVATE:
        return ""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""
    if host == "localhost" or host.endswith(".localhost"):
        return host
    try:
        return host if not_public(host) else ""
    except ValueError:  # a name, not an address
        return ""


class PrivateTarget(Exception):
    """The receiver's address is not public (and private targets are not allowed)."""

    def __init__(self, address: str):
        super().__init__(address)
        self.address = address


class _PublicOnly:
    """A urllib3 connection that refuses, once connected and before sending a byte, a peer
    whose address is not public."""

    def _new_conn(self):
        sock = super()._new_conn()
        if not settings.CRISISDESK_WEBHOOK_ALLOW_PRIVATE:
            peer = sock.getpeername()[0]
            if not_public(peer):
                sock.close()
                raise PrivateTarget(peer)
        return sock


class _HTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _HTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def _check_resolved(url: str) -> None:
    """Through a proxy the connection is to the proxy: resolve the target and check every
    address it has instead."""
    parts = urlsplit(url)
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError:
        return  # the proxy says what it makes of it
    for *_rest, sockaddr in found:
        if not_public(sockaddr[0]):
            raise PrivateTarget(sockaddr[0])


_local = threading.local()


def _session() -> requests.Session:
    """This thread's HTTP session: connections to a receiver are kept alive and used again
    by the next delivery to it (one pool per thread and host)."""
    if getattr(_local, "session", None) is None:
        session = requests.Session()
        session.headers.clear()  # only the headers each delivery sets
        # Proxies from the environment as urllib takes them; without any, the environment
        # is not read again on every request (a third of a request's time here).
        session.trust_env = bool(urllib.request.getproxies())
        session.mount("http://", _PublicOnlyAdapter())
        session.mount("https://", _PublicOnlyAdapter())
        _local.session = session
    return _local.session


def send(delivery: Delivery, message: Message) -> Outcome:
    try:
        URLValidator(schemes=["http", "https"])(delivery.address)
    except ValidationError:
        return Outcome(_("“%(address)s” is not a web address.") % {"address": delivery.address})
    body = payload(message, acknowledge_url=acknowledgement_link(delivery))
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "CrisisDesk",
        "X-CrisisDesk-Timestamp": timestamp,
        "X-CrisisDesk-Signature": signature(secret=settings.CRISISDESK_WEBHOOK_SECRET,
                                            timestamp=timestamp, body=body),
        "Idempotency-Key": str(delivery.idempotency_key),
    }
    try:
        session = _session()
        if session.trust_env and not settings.CRISISDESK_WEBHOOK_ALLOW_PRIVATE:
            _check_resolved(delivery.address)
        response = session.post(delivery.address, data=body, headers=headers,
                                timeout=TIMEOUT, allow_redirects=False)
    except PrivateTarget as refused:
        return Outcome(_("“%(host)s” is a private or local address (%(address)s): webhooks go "
                         "to public hosts only.") % {"host": urlsplit(delivery.address).hostname,
                                                     "address": refused.address})
    except requests.exceptions.SSLError as error:
        return Outcome(_("TLS failed: %(why)s") % {"why": error}, transient=True)
    except requests.exceptions.Timeout:
        return Outcome(_("No answer within %(n)d seconds.") % {"n": TIMEOUT}, transient=True)
    except (requests.exceptions.RequestException, OSError) as error:
        return Outcome(_("The receiver could not be reached: %(why)s") % {"why": error},
                       transient=True)
    if not 200 <= response.status_code < 300:
        return Outcome(_("The receiver answered %(status)s.") % {"status": response.status_code},
                       transient=(response.status_code >= 500
                                  or response.status_code in TRANSIENT_STATUSES))
    return SENT
