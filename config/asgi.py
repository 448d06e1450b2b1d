"""One ASGI application serves HTTP and websockets from the same process."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()  # sets Django up before consumers are imported

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from core import clock  # noqa: E402
from core.concurrency import ConcurrencyLimit  # noqa: E402
from core.origins import SameOriginValidator  # noqa: E402

from .routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ConcurrencyLimit(django_asgi_app, settings.HTTP_CONCURRENCY),
        "websocket": SameOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

if settings.EMBEDDED_CLOCK:
    clock.start()  # the embedded default's periodic jobs (production runs celery beat)
