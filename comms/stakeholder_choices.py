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


# Channels a contact can hold an address for (in-app notices reach users, not contacts;
# chat goes to the groups' rooms, apprise endpoints an administrator sets).
ADDRESS_CHANNELS = (Channel.EMAIL, Channel.WEBHOOK, Channel.SMS)


def contact_addresses(addresses: dict | None) -> dict[str, str]:
    """A contact's addresses on the channels contacts hold them for: an older chat address
    (an apprise URL, secrets and all) is neither used nor shown."""
    return {channel: address for channel, address in (addresses or {}).items()
            if channel in ADDRESS_CHANNELS}
