"""The stakeholder map API (``/api/incidents/{incident_pk}/stakeholders/``): the map of one
incident, and a change to one group's entry by the group's id. A thin viewset over
``comms.stakeholder_map`` and ``comms.stakeholder_map_services``; an incident the user
may not view answers 404."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import error_responses
from crisis.api import path_id, require
from crisis.selectors import incident_get

from . import stakeholder_map_services as services
from .models import IncidentStakeholder, StakeholderGroup
from .serializers import EmptySerializer, StatementConflictSerializer
from .stakeholder_map import can_manage_stakeholders, map_entries, map_entry
from .stakeholder_map_serializers import StakeholderEditSerializer, StakeholderEntrySerializer

ERRORS = error_responses(
    400, 403, 404, 409, conflict_serializer=StatementConflictSerializer,
    forbidden="You may not manage the stakeholders of this incident.",
    not_found="No such incident or group, or you may not view the incident.",
    conflict="The incident was merged or closed.")
PARAMETERS = [path_id("incident_pk", "The incident's id."),
              path_id("pk", "The stakeholder group's id.")]


class IncidentStakeholderViewSet(viewsets.GenericViewSet):
    """The stakeholder map of an incident: every group of its stakeholder kinds (shown with
    the defaults until changed) and every group changed on it, affected ones first, then
    by priority."""

    queryset = IncidentStakeholder.objects.none()  # the schema's model; reads use the selectors
    serializer_class = StakeholderEntrySerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None
    lookup_value_regex = r"\d+"

    def _incident(self):
        return incident_get(user=self.request.user, pk=self.kwargs["incident_pk"])

    def _group(self) -> StakeholderGroup:
        group = StakeholderGroup.objects.filter(pk=self.kwargs["pk"]).first()
        if group is None:
            raise Http404("No stakeholder group matches the given query.")
        return group

    def _answer(self, incident, group) -> Response:
        return Response(StakeholderEntrySerializer(
            map_entry(incident=incident, group_id=group.pk)).data)

    @extend_schema(summary="An incident's stakeholder map",
                   parameters=[PARAMETERS[0]],
                   responses={200: StakeholderEntrySerializer(many=True), 404: ERRORS[404]})
    def list(self, request, *args, **kwargs):
        incident = self._incident()
        return Response(StakeholderEntrySerializer(map_entries(incident=incident),
                                                   many=True).data)

    @extend_schema(
        summary="Change a group's entry on the map",
        description="By the group's id (any stakeholder group: one not on the map yet joins "
                    "it). Send any of the fields; what you leave out is kept. `owner` must "
                    "be able to view the incident.",
        parameters=PARAMETERS, request=StakeholderEditSerializer,
        responses={200: StakeholderEntrySerializer, **ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        incident = self._incident()
        group = self._group()
        require(can_manage_stakeholders(request.user, incident), services.may_not_manage())
        serializer = StakeholderEditSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.stakeholder_update(actor=request.user, incident=incident, group=group,
                                    **serializer.validated_data)
        return self._answer(incident, group)

    @extend_schema(
        summary="Record that the group was given an update",
        description="Now: the next update is due one cadence from now.",
        parameters=PARAMETERS, request=EmptySerializer,
        responses={200: StakeholderEntrySerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="update-given", url_name="update-given")
    def update_given(self, request, *args, **kwargs):
        incident = self._incident()
        group = self._group()
        require(can_manage_stakeholders(request.user, incident), services.may_not_manage())
        serializer = EmptySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.stakeholder_update_given(actor=request.user, incident=incident, group=group)
        return self._answer(incident, group)


# (prefix, viewset, basename) for config.urls' router (appended to comms.api.api_routes).
api_routes: list = [
    (r"incidents/(?P<incident_pk>\d+)/stakeholders", IncidentStakeholderViewSet,
     "incident-stakeholder"),
]
