"""Acknowledgement links (``comms.acknowledgements``): the token signs the delivery's
idempotency key (``TimestampSigner``, a salt of its own) and works for
``CRISISDESK_ACK_LINK_DAYS``. Reads only, so the channels can put links in what they send."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Delivery

SALT = "comms.acknowledgement"


class LinkInvalid(Exception):
    """Not a link CrisisDesk signed (tampered, cut short, or for no delivery)."""


class LinkExpired(Exception):
    def __init__(self, expired_at: datetime):
        super().__init__(f"expired at {expired_at.isoformat()}")
        self.expired_at = expired_at


def link_lifetime() -> timedelta:
    return timedelta(days=settings.CRISISDESK_ACK_LINK_DAYS)


def needs_acknowledgement(delivery: Delivery) -> bool:
    """The group requires it and the delivery reaches a contact (a person who can open a
    link; not an in-app notice, not a chat room)."""
    return bool(delivery.contact_id) and delivery.group.acknowledgement_required


def acknowledgement_token(delivery: Delivery) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(delivery.idempotency_key))


def acknowledgement_link(delivery: Delivery) -> str:
    """The absolute link sent with the delivery, or "" when none is asked for."""
    if not needs_acknowledgement(delivery):
        return ""
    path = reverse("acknowledgement", args=[acknowledgement_token(delivery)])
    return f"{settings.SITE_URL}{path}"


def link_expires_at(sent_at: datetime | None = None) -> datetime:
    """When a link signed at ``sent_at`` (now) stops working."""
    return (sent_at or timezone.now()) + link_lifetime()


def delivery_for_token(token: str) -> Delivery:
    """The delivery a link names; LinkInvalid or LinkExpired (with when)."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        key = signer.unsign(token, max_age=link_lifetime())
    except signing.SignatureExpired:
        # Genuine but old: when it was signed is the part after the last separator.
        signed = signing.Signer(salt=SALT).unsign(token)
        issued = datetime.fromtimestamp(signing.b62_decode(signed.rsplit(signer.sep, 1)[1]),
                                        tz=UTC)
        raise LinkExpired(issued + link_lifetime()) from None
    except signing.BadSignature:
        raise LinkInvalid from None
    delivery = (Delivery.objects.select_related("publication__version", "publication__statement",
                                                "group", "acknowledgement")
                .filter(idempotency_key=key).first())
    if delivery is None:
        raise LinkInvalid
    return delivery
