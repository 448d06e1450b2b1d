"""``/api/scheduled-publications/`` (filter ``statement``, ``incident``, ``status``; ``POST
.../{id}/cancel/``): a thin viewset over ``comms.schedule``. Scheduling itself is ``POST
/api/statements/{id}/publish/`` with ``publish_at`` (``comms.api``). Anything of an incident
the user may not view answers 404."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import error_responses
from core.filters import IdFilter
from crisis.api import require
from crisis.permissions import IncidentApiPermission

from . import schedule
from .models import ScheduledPublication, ScheduledPublicationStatus
from .schedule_serializers import ScheduledPublicationSerializer
from .serializers import EmptySerializer, StatementConflictSerializer


class ScheduledPublicationFilter(django_filters.FilterSet):
    statement = IdFilter(field_name="statement_id", label=_("Statement"))
    incident = IdFilter(field_name="statement__incident_id", label=_("Incident"))
    status = django_filters.MultipleChoiceFilter(choices=ScheduledPublicationStatus.choices,
                                                 label=_("Status"), distinct=False)

    class Meta:
        model = ScheduledPublication
        fields = ["statement", "incident", "status"]


class ScheduledPublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                  viewsets.GenericViewSet):
    """Scheduled publications of the incidents the signed-in user may view, soonest first:
    `waiting` until their time (or a freeze's lift), then `published`, `cancelled` or
    `failed` (not published: `reason` says why). Filter by `statement`, `incident` and
    `status` (repeatable)."""

    serializer_class = ScheduledPublicationSerializer
    permission_classes = [IncidentApiPermission]
    filterset_class = ScheduledPublicationFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ScheduledPublication.objects.none()
        return schedule.schedule_list(user=self.request.user).order_by("publish_at", "pk")

    def retrieve(self, request, *args, **kwargs):
        found = schedule.schedule_get(user=request.user, pk=kwargs["pk"])
        return Response(self.get_serializer(found).data)

    @extend_schema(
        summary="Cancel a scheduled publication",
        description="Only a `waiting` one (409 otherwise), by someone holding the publish "
                    "right on the incident. Written on the incident's timeline.",
        request=EmptySerializer,
        responses={200: ScheduledPublicationSerializer, **error_responses(
            400, 403, 404, 409, conflict_serializer=StatementConflictSerializer,
            forbidden="You may not publish statements in this incident.",
            not_found="No such scheduled publication, or you may not view its incident.",
            conflict="Only a waiting scheduled publication can be cancelled.")},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        found = schedule.schedule_get(user=request.user, pk=pk)
        require(schedule.can_cancel(request.user, found),
                _("You may not publish statements in this incident."))
        serializer = EmptySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        schedule.publication_schedule_cancel(actor=request.user, schedule=found)
        fresh = schedule.schedule_get(user=request.user, pk=found.pk)
        return Response(ScheduledPublicationSerializer(fresh).data)


# (prefix, viewset, basename) for config.urls' router (appended to comms.api.api_routes).
api_routes: list = [
    ("scheduled-publications", ScheduledPublicationViewSet, "scheduled-publication"),
]
