from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from . import selectors, services
from .filters import IncidentFilter
from .permissions import IncidentApiPermission
from .serializers import IncidentCreateSerializer, IncidentSerializer


class IncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Incidents the signed-in user may view; an incident you may not view answers 404."""

    serializer_class = IncidentSerializer
    permission_classes = [IncidentApiPermission]
    filterset_class = IncidentFilter
    ordering_fields = ["created_at", "updated_at", "severity", "status"]

    def get_queryset(self):
        return selectors.incident_list(user=self.request.user)

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = IncidentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = services.incident_create(actor=request.user, **serializer.validated_data)
        output = IncidentSerializer(incident, context=self.get_serializer_context())
        return Response(output.data, status=status.HTTP_201_CREATED)
