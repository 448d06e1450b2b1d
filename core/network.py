"""The client's address behind trusted reverse proxies.

With ``PROXY_COUNT`` = n (the number of proxies in front of CrisisDesk, each appending to
``X-Forwarded-For``, as nginx's ``$proxy_add_x_forwarded_for`` does), the client is the
n-th address from the right: entries further left were sent by the client and can be
forged. With no proxy, or a header shorter than promised, it is ``REMOTE_ADDR``.
Login throttling (django-axes, ``AXES_CLIENT_IP_CALLABLE``) keys on this address, so a
proxy's own address never locks a user out for everyone.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in
                 request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
