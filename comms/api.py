"""The statements API (``/api/statements/…``, ``/api/approval-queue/``,
``/api/publishing-freezes/``): thin viewsets over ``comms.services`` and
``comms.selectors``."""

# (prefix, viewset, basename) for config.urls' router.
api_routes: list = []
