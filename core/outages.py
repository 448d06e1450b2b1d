"""Staying usable while a dependency is down.

- ``server_error`` (the project's ``handler500``): an uncaught error that comes from an
  unreachable database, Redis or broker answers 503 with ``Retry-After`` (a branded page,
  or JSON under /api/), anything else 500; API callers always get JSON, never the HTML
  error page. It renders without a request context: the database may be what failed.
- ``FailOpen*RateThrottle``: DRF throttling keeps its counters in the cache (Redis in
  production); when the cache is unreachable the request is let through with a warning
  instead of failing every API call.
"""

import logging
import sys
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"


def _dependency_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OperationalError, InterfaceError, ConnectionError,
                                         TimeoutError]
    try:
        import redis.exceptions

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    try:
        import kombu.exceptions

        errors.append(kombu.exceptions.OperationalError)
    except ImportError:  # pragma: no cover - kombu comes with celery
        pass
    return tuple(errors)


DEPENDENCY_ERRORS = _dependency_errors()


def is_outage(error: BaseException | None) -> bool:
    """True when ``error`` (or what caused it) says a database, Redis or broker is down."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, DEPENDENCY_ERRORS):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def server_error(request, template_name: str = "500.html"):
    """handler500: 503 + Retry-After for outages, 500 otherwise; JSON for the API."""
    outage = is_outage(sys.exc_info()[1])
    status = 503 if outage else 500
    if request.path.startswith(API_PREFIX):
        detail = (_("A service CrisisDesk depends on is unreachable; try again shortly.")
                  if outage else _("Server error: it has been logged."))
        response = JsonResponse({"detail": detail}, status=status)
    else:
        template = loader.get_template("503.html" if outage else template_name)
        response = HttpResponse(template.render(), status=status)
    if outage:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class FailOpenMixin:
    """Let the request through when the throttle's cache cannot be reached."""

    warned_at = 0.0

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except DEPENDENCY_ERRORS as error:
            now = time.monotonic()
            if now - FailOpenMixin.warned_at > 60:  # once a minute, not once a request
                FailOpenMixin.warned_at = now
                logger.warning("API throttling is off: its cache is unreachable (%s).", error)
            return True


class FailOpenAnonRateThrottle(FailOpenMixin, AnonRateThrottle):
    pass


class FailOpenUserRateThrottle(FailOpenMixin, UserRateThrottle):
    pass
