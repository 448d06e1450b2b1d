"""/healthz: is each part this process depends on reachable right now?"""

import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app


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
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.transport.driver_name


CHECKS = {"database": check_database, "channel_layer": check_channel_layer,
          "broker": check_broker}


@never_cache
@require_GET
def healthz(request):
    report, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
        except Exception as exc:  # any failure of a dependency is a 503, named here
            healthy = False
            report[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            report[name] = {"ok": True, "detail": detail}
        report[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    # "embedded": one process on SQLite and an in-memory layer: a second server process
    # would not share its events. "production": PostgreSQL and Redis.
    body = {"status": "ok" if healthy else "unavailable", "checks": report,
            "debug": settings.DEBUG, "mode": "embedded" if settings.EMBEDDED else "production"}
    return JsonResponse(body, status=200 if healthy else 503)
