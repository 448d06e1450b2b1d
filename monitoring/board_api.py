"""``/api/watches/<id>/series/``: a watch's chart data (``monitoring.series``)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Watch
from .permissions import can_view_alerts
from .series import MAX_HOURS, watch_series


class WatchSeriesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="watches_series",
        summary="A watch's mentions, negative share, usual band and alert levels",
        parameters=[OpenApiParameter("hours", OpenApiTypes.INT, description=(
            f"How far back, 1 to {MAX_HOURS} hours (default 24); points of 5 minutes up to "
            "24 hours, 10 minutes beyond."))],
        responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        if not can_view_alerts(request.user):
            raise PermissionDenied(_("The alert board is for monitoring analysts."))
        watch = get_object_or_404(Watch, pk=pk)
        raw = request.query_params.get("hours", "24")
        try:
            hours = int(raw)
        except ValueError:
            hours = 0
        if not 1 <= hours <= MAX_HOURS:
            raise ValidationError({"hours": [_("hours must be a whole number from 1 to %(max)d.")
                                             % {"max": MAX_HOURS}]})
        return Response(watch_series(watch=watch, hours=hours))
