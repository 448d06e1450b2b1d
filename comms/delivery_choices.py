"""Delivery states and the channels a publication goes out on, declared once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


# The channels a publication can go out on (chat and SMS through apprise endpoints).
DELIVERY_CHANNELS = ("email", "webhook", "chat", "sms", "in_app")
FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.ACKNOWLEDGED)
