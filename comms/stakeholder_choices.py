"""Stakeholder channels, declared once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How a stakeholder group hears from us. Chat and SMS go through apprise URLs."""

    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")
    CHAT = "chat", _("Chat (apprise)")
    SMS = "sms", _("SMS (apprise)")
    IN_APP = "in_app", _("In-app notice")


# Channels a contact can hold an address for (in-app notices reach users, not contacts).
ADDRESS_CHANNELS = (Channel.EMAIL, Channel.WEBHOOK, Channel.CHAT, Channel.SMS)
