"""Connector webhooks: a source posts mentions to ``/api/connectors/<slug>/webhook/``,
signed as CrisisDesk signs its own webhooks (``comms.channels.webhook``):

- ``X-CrisisDesk-Timestamp``: Unix seconds when it was sent;
- ``X-CrisisDesk-Signature: sha256=<hex>``: HMAC-SHA256, keyed by the connector's secret,
  of ``"<timestamp>.<body>"`` (the body's bytes as sent).

A request older than ``MAX_AGE`` (or as far ahead of our clock) is refused, and so is one
whose signature was already seen within that time (a replay): the signature is remembered
in the cache for twice ``MAX_AGE``. The body is the bulk API's (a JSON array, or
``{"mentions": [...]}``); an item without a platform takes the connector's."""

import hashlib
import hmac
import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from .models import Connector

MAX_AGE = 5 * 60  # seconds
TIMESTAMP_HEADER = "X-CrisisDesk-Timestamp"
SIGNATURE_HEADER = "X-CrisisDesk-Signature"


class Refused(Exception):
    """The request is not taken: ``status`` (400 or 401) and a message saying why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                      hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def active_connector(slug: str) -> Connector | None:
    return Connector.objects.filter(slug=slug, is_active=True).first()


def verify(*, connector: Connector, timestamp: str | None, signed: str | None, body: bytes,
           now: float | None = None) -> None:
    """Refuse (``Refused``) unless the request is signed by the connector, fresh and new."""
    if not timestamp or not signed:
        raise Refused(401, _("Sign the request: the %(timestamp)s and %(signature)s "
                             "headers are required.")
                      % {"timestamp": TIMESTAMP_HEADER, "signature": SIGNATURE_HEADER})
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise Refused(400, _("%(header)s must be Unix seconds (a whole number).")
                      % {"header": TIMESTAMP_HEADER})
    expected = signature(secret=connector.secret, timestamp=timestamp, body=body)
    if not hmac.compare_digest(expected.encode(), signed.strip().encode("utf-8", "replace")):
        raise Refused(401, _("The signature does not match: HMAC-SHA256 of "
                             "\"<timestamp>.<body>\" with the connector's secret, sent as "
                             "sha256=<hex>."))
    now = time.time() if now is None else now
    age = now - int(timestamp)
    if age > MAX_AGE:
        raise Refused(401, _("The request is %(age)d seconds old; at most %(max)d are "
                             "accepted (a replay is refused).")
                      % {"age": int(age), "max": MAX_AGE})
    if age < -MAX_AGE:
        raise Refused(401, _("The timestamp is %(ahead)d seconds ahead of the server's "
                             "clock.") % {"ahead": int(-age)})
    if not cache.add(f"monitoring:connector:{connector.pk}:{expected}", 1,
                     timeout=2 * MAX_AGE):
        raise Refused(401, _("This request was already received (a replay is refused)."))
