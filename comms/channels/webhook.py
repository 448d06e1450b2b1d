"""Webhook: a JSON POST of what was published, signed.

Headers: ``X-CrisisDesk-Timestamp`` (Unix seconds), ``X-CrisisDesk-Signature:
sha256=<hex>`` (HMAC-SHA256, keyed by ``settings.CRISISDESK_WEBHOOK_SECRET``, of
``"<timestamp>.<body>"``, the body's bytes as sent) and ``Idempotency-Key`` (the
delivery's, the same on every attempt: a receiver drops what it has seen). 2xx is sent;
timeouts (``TIMEOUT`` seconds to connect, and between bytes of the answer), connection and
TLS errors, 408, 425, 429 and 5xx are tried again; other answers, redirects included, are
final. Where the group requires acknowledgement the body carries ``acknowledge_url``."""

import hashlib
import hmac
import json
import threading
import time
import urllib.request

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

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
        response = _session().post(delivery.address, data=body, headers=headers,
                                   timeout=TIMEOUT, allow_redirects=False)
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
