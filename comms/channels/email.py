"""Email through Django's email backend (SMTP when ``EMAIL_HOST`` is set; the console
backend on the embedded default): text and HTML, the page around the statement in the
contact's language, the statement as it was published (in its own language). Its
``Message-ID`` is derived from the delivery's idempotency key, the same on every attempt
and from every worker, so a mail store that keeps one message per id drops a copy sent
again after a worker died between sending and recording it. A backend that only prints or
writes files (``core.mail.backend_delivers``) does not count as sent: the delivery fails
saying so, to be sent again by hand once SMTP is set."""

import smtplib
from email.utils import parseaddr
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.mail import backend_delivers
from core.markdown import render_markdown

from ..acknowledgement_links import acknowledgement_link, link_expires_at
from ..models import FRAME_LABELS, Delivery
from . import SENT, Message, Outcome


def message_id(delivery: Delivery) -> str:
    """``<delivery.<idempotency key>@<the sender's domain>>``: one id per delivery."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "crisisdesk"
    return f"<delivery.{delivery.idempotency_key}@{domain}>"


def _render(message: Message, language: str, acknowledge_url: str) -> tuple[str, str]:
    """The text and HTML bodies in ``language``: the same for every recipient of that
    language, unless it carries an acknowledgement link."""
    with translation.override(language):
        context = {"message": message, "text": message.text(),
                   "html_body": render_markdown(message.body),
                   "frame": [(FRAME_LABELS[name], value) for name, value in message.frame],
                   "lang": language,
                   "acknowledge_url": acknowledge_url,
                   "acknowledge_until": link_expires_at()}
        return (render_to_string("comms/delivery/email.txt", context),
                render_to_string("comms/delivery/email.html", context))


# Rendered once per publication and language for the recipients without a link (most of
# them): rendering was half of what building an email cost.
_render_shared = lru_cache(maxsize=64)(_render)


def build(delivery: Delivery, message: Message) -> EmailMultiAlternatives:
    language = delivery.contact.language if delivery.contact_id else message.language
    acknowledge_url = acknowledgement_link(delivery)
    text, html = (_render(message, language, acknowledge_url) if acknowledge_url
                  else _render_shared(message, language, ""))
    email = EmailMultiAlternatives(
        subject=message.title, body=text, from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address], headers={"Content-Language": message.language,
                                        "Message-ID": message_id(delivery),
                                        "X-CrisisDesk-Delivery": str(delivery.idempotency_key)})
    email.attach_alternative(html, "text/html")
    return email


def send(delivery: Delivery, message: Message, *, connection=None) -> Outcome:
    try:
        validate_email(delivery.address)
    except ValidationError:
        return Outcome(_("“%(address)s” is not an email address.") % {"address": delivery.address})
    email = build(delivery, message)
    email.connection = connection
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        return Outcome(_("The mail server refused the address: %(why)s")
                       % {"why": error.recipients}, transient=all(400 <= c < 500 for c in codes))
    except smtplib.SMTPResponseException as error:
        return Outcome(_("The mail server answered %(code)s: %(why)s")
                       % {"code": error.smtp_code, "why": error.smtp_error},
                       transient=400 <= error.smtp_code < 500)
    except (smtplib.SMTPException, OSError) as error:  # disconnected, refused, timed out
        return Outcome(_("The mail server could not be reached: %(why)s") % {"why": error},
                       transient=True)
    if not backend_delivers():  # printed or written to a file: not sent, and not hidden
        return Outcome(_("Not sent: email goes to %(backend)s (no mail server is set). Set "
                         "EMAIL_HOST, then send it again.")
                       % {"backend": settings.EMAIL_BACKEND.rsplit(".", 2)[-2]})
    return SENT
