"""The public acknowledgement page ``/ack/<token>/`` (no sign-in, no session): GET shows
what was published and a button; only the POST acknowledges (mail scanners and link
previews open links). An expired link answers 410 saying when it stopped working, a
tampered or unknown one 400.

No CSRF token: the signed token in the address is the credential, and a page made
elsewhere cannot post without knowing it; the reader needs no cookie at all."""

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.network import client_ip

from . import acknowledgement_links, acknowledgements
from .channels import Message
from .models import FRAME_LABELS


def _answer(request, template: str, context: dict, *, status: int = 200):
    response = render(request, template, context, status=status)
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request, error: Exception):
    if isinstance(error, acknowledgement_links.LinkExpired):
        return _answer(request, "comms/acknowledgement/refused.html",
                       {"expired_at": error.expired_at}, status=410)
    return _answer(request, "comms/acknowledgement/refused.html", {}, status=400)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def acknowledgement(request, token: str):
    try:
        delivery = acknowledgement_links.delivery_for_token(token)
        done = None
        if request.method == "POST":
            done = acknowledgements.delivery_acknowledge(
                token=token, remote_addr=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""))
    except (acknowledgement_links.LinkInvalid, acknowledgement_links.LinkExpired) as error:
        return _refused(request, error)
    earlier = getattr(delivery, "acknowledgement", None) if done is None else None
    message = Message.of(delivery.publication)
    language = delivery.contact.language if delivery.contact_id else message.language
    with translation.override(language):
        return _answer(request, "comms/acknowledgement/page.html", {
            "message": message, "lang": language,
            "frame": [(FRAME_LABELS[name], value) for name, value in message.frame],
            "acknowledged_now": done is not None and done.now,
            "acknowledged_at": done.acknowledged_at if done is not None
            else (earlier.acknowledged_at if earlier is not None else None),
        })
