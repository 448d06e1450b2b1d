"""Delivery states, declared once (with their badge colours)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    @property
    def colour(self) -> str:
        return {"queued": "secondary", "sending": "blue", "sent": "green", "failed": "red",
                "acknowledged": "teal"}[self.value]


# The channels a publication can go out on now (chat and SMS through apprise: not yet).
DELIVERY_CHANNELS = ("email", "webhook", "in_app")
FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.ACKNOWLEDGED)
