"""Webhook: a JSON POST of what was published, signed.

Headers: ``X-CrisisDesk-Timestamp`` (Unix seconds), ``X-CrisisDesk-Signature:
sha256=<hex>`` (HMAC-SHA256, keyed by ``settings.CRISISDESK_WEBHOOK_SECRET``, of
``"<timestamp>.<body>"``, the body's bytes as sent) and ``Idempotency-Key`` (the
delivery's, the same on every attempt: a receiver drops what it has seen). 2xx is sent;
timeouts, connection and TLS errors, 408, 429 and 5xx are tried again; other answers are
final. Where the group requires acknowledgement the body carries ``acknowledge_url``."""

import hashlib
import hmac
import json
import ssl
import time
import urllib.error
import urllib.request

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
    request = urllib.request.Request(  # noqa: S310 (http and https only, checked above)
        delivery.address, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            response.read(1024)
    except urllib.error.HTTPError as error:
        return Outcome(_("The receiver answered %(status)s.") % {"status": error.code},
                       transient=error.code >= 500 or error.code in TRANSIENT_STATUSES)
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, ssl.SSLError):
            return Outcome(_("TLS failed: %(why)s") % {"why": reason}, transient=True)
        if isinstance(reason, TimeoutError):
            return Outcome(_("No answer within %(n)d seconds.") % {"n": TIMEOUT},
                           transient=True)
        return Outcome(_("The receiver could not be reached: %(why)s") % {"why": reason},
                       transient=True)
    except TimeoutError:
        return Outcome(_("No answer within %(n)d seconds.") % {"n": TIMEOUT}, transient=True)
    except OSError as error:
        return Outcome(_("The receiver could not be reached: %(why)s") % {"why": error},
                       transient=True)
    return SENT
