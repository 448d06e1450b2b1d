"""/healthz: is each part this process depends on reachable right now?"""

import ipaddress
import logging
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.network import client_ip

from .celery import app as celery_app

logger = logging.getLogger(__name__)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_channel_layer() -> str:
    layer = get_channel_layer()

    async def round_trip():
        channel = await layer.new_channel("healthz.")
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "healthz", "token": token})
        message = await layer.receive(channel)
        if message.get("token") != token:
            raise RuntimeError("channel layer returned another message")

    async_to_sync(round_trip)()
    return type(layer).__name__


def check_broker() -> str:
    if celery_app.conf.task_always_eager:
        return "eager (tasks run in the web process)"
    with celery_app.connection_for_write() as conn:
        # One quick attempt: a refused connection answers at once instead of after retries.
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return conn.transport.driver_name


CHECKS = {"database": check_database, "channel_layer": check_channel_layer,
          "broker": check_broker}


@never_cache
@require_GET
def healthz(request):
    report, errors, healthy = {}, {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
        except Exception as exc:  # any failure of a dependency is a 503, named here
            healthy = False
            # The class only: exception text (hosts, ports, paths) goes to the log.
            report[name] = {"ok": False, "error": type(exc).__name__}
            errors[name] = f"{type(exc).__name__}: {exc}"[:300]
        else:
            report[name] = {"ok": True, "detail": detail}
        report[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    # "embedded": one process on SQLite and an in-memory layer: a second server process
    # would not share its events. "production": PostgreSQL and Redis.
    body = {"status": "ok" if healthy else "unavailable"}
    if _may_see_details(request):
        body.update(checks=report, debug=settings.DEBUG,
                    mode="embedded" if settings.EMBEDDED else "production")
    response = JsonResponse(body, status=200 if healthy else 503)
    _log_change(healthy, errors)
    # A failing probe every few seconds is not an ERROR per probe (Django's default for a
    # 503): the change of state is logged once, as a warning, above.
    response._has_been_logged = True
    return response


_last_healthy: bool | None = None


def _may_see_details(request) -> bool:
    """Which part failed, and how the process runs, is for staff and for probes on this
    machine (the client address behind the proxy, core.network); anyone else learns only
    ok or unavailable, from the body and the status."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active and user.is_staff:
        return True
    address = client_ip(request)
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _log_change(healthy: bool, errors: dict) -> None:
    global _last_healthy
    if healthy == _last_healthy:
        return
    _last_healthy = healthy
    if healthy:
        logger.info("Health: every check passes again.")
    else:
        logger.warning("Health: failing checks: %s", errors)
