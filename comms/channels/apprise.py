"""Chat and SMS through apprise (https://github.com/caronc/Apprise): the URLs are set by
an administrator on ``AppriseEndpoint`` rows. A chat delivery notifies its endpoint (a
group's Slack, Teams, Telegram… room); an SMS delivery goes through the SMS gateway's URL
with the contact's phone added as the target, a path segment, as most apprise SMS schemes
take their targets (``twilio://SID:Token@+15551234567`` texts +886912345678 as
``twilio://SID:Token@+15551234567/+886912345678``).

The URLs hold secrets (tokens, passwords): ``masked_url`` is the only form of one that is
ever shown, and errors are cleaned of every part of the URL that form hides.

An URL apprise cannot use is a permanent failure naming the problem; a notification
apprise could not hand over (the service answered an error, could not be reached, timed
out) is transient, with apprise's reason from its log of the call."""

import logging
import re
import threading
from urllib.parse import urlsplit

import apprise
from django.utils import translation
from django.utils.translation import gettext as _

from ..acknowledgement_links import acknowledgement_link
from ..models import AppriseEndpoint, Delivery
from ..stakeholder_choices import Channel
from . import SENT, Message, Outcome

# Apprise logs URLs with their secrets in them: its log stays out of the server's (apprise's
# own NullHandler keeps Python from printing it); the reason of each failure is recorded,
# cleaned, on the delivery instead.
logging.getLogger("apprise").propagate = False

# Apprise tells why it cannot use a URL only through its logger; captures of that logger
# are global, so loading is one at a time (a capture holds only its own URL's messages).
_loading = threading.Lock()
_URL_IN_TEXT = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://\S*")
_URL_PARTS = re.compile(r"[^:/@?&=#\s]+")


def _fallback_mask(url: str) -> str:
    scheme = urlsplit(url.strip()).scheme if "://" in url else ""
    return f"{scheme}://…" if scheme else "…"


def _masked(plugin) -> str:
    """The privacy form of a loaded URL, without its query (apprise adds its defaults
    there: retry=0&wait=0.5…)."""
    return plugin.url(privacy=True).split("?", 1)[0]


def _scrub(text: str, url: str, masked: str) -> str:
    """``text`` (apprise's words) with every URL in it masked and every part of ``url``
    that its masked form hides replaced by ``…``."""
    text = _URL_IN_TEXT.sub(lambda m: masked if m.group(0) == url else f"{m.group(1)}://…",
                            text)
    hidden = sorted({part for part in _URL_PARTS.findall(url)
                     if len(part) >= 3 and part not in masked}, key=len, reverse=True)
    for part in hidden:
        text = text.replace(part, "…")
    return text


def load(url: str):
    """``(plugin, "")`` when apprise can use ``url``, else ``(None, why)`` (apprise's
    reason, cleaned of secrets)."""
    with _loading, apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
        plugin = apprise.Apprise.instantiate(url.strip())
        said = log.getvalue()
    if plugin is not None:
        return plugin, ""
    reasons = " ".join(line.strip() for line in said.splitlines() if line.strip())
    return None, _scrub(reasons, url, _fallback_mask(url)) or _("Apprise does not know it.")


def masked_url(url: str) -> str:
    """``url`` as apprise shows it in private (tokens and passwords cut down to a hint,
    e.g. ``slack://T...2/A...D/T...Q``), or ``scheme://…`` when apprise cannot read it.
    The only way an endpoint's URL is ever shown."""
    plugin, _why = load(url)
    return _masked(plugin) if plugin is not None else _fallback_mask(url)


def check_url(url: str, *, channel: str = Channel.CHAT) -> str:
    """``url`` stripped, or a ValueError saying why apprise cannot use it. An SMS gateway
    is checked with a number added as its target, as it is used."""
    url = url.strip()
    if not url or any(c.isspace() for c in url):
        raise ValueError(_("Enter one apprise URL, without spaces."))
    plugin, why = load(sms_url(url, "+15555550100") if channel == Channel.SMS else url)
    if plugin is None:
        raise ValueError(_("Apprise cannot use this URL: %(why)s") % {"why": why})
    return url


def sms_url(gateway: str, phone: str) -> str:
    """The gateway's URL with ``phone`` added as the last path segment (before any query)."""
    base, question, query = gateway.strip().partition("?")
    return f"{base.rstrip('/')}/{phone}{question}{query}"


def target_url(delivery: Delivery) -> str:
    endpoint: AppriseEndpoint = delivery.endpoint
    if delivery.channel == Channel.SMS:
        return sms_url(endpoint.url, delivery.address)
    return endpoint.url.strip()


def text(delivery: Delivery, message: Message) -> str:
    """The statement's plain text; a text message to a group that must acknowledge ends
    with the contact's link (the line in the contact's language)."""
    link = acknowledgement_link(delivery) if delivery.channel == Channel.SMS else ""
    if not link:
        return message.text()
    with translation.override(delivery.contact.language or message.language):
        line = _("Please confirm you received this: %(url)s") % {"url": link}
    return f"{message.text()}\n\n{line}"


def send(delivery: Delivery, message: Message) -> Outcome:
    endpoint = delivery.endpoint
    if endpoint is None:
        return Outcome(_("No chat or SMS endpoint is set for this delivery."))
    if not endpoint.is_active:
        return Outcome(_("The endpoint “%(name)s” was switched off.") % {"name": endpoint.name})
    url = target_url(delivery)
    plugin, why = load(url)
    if plugin is None:
        return Outcome(_("The apprise URL of “%(name)s” cannot be used: %(why)s")
                       % {"name": endpoint.name, "why": why})
    notifier = apprise.Apprise()
    notifier.add(plugin)
    result = notifier.notify(body=text(delivery, message), title=message.title,
                             body_format=apprise.NotifyFormat.TEXT)
    if result:
        return SENT
    said = " ".join(entry.message.strip() for entry in result.logs() if entry.message.strip())
    return Outcome(_("%(service)s did not take the message: %(why)s")
                   % {"service": endpoint.name,
                      "why": _scrub(said, url, _masked(plugin)) or _("no reason given.")},
                   transient=True)
