"""``/api/publications/`` and ``/api/deliveries/`` (with ``POST .../{id}/resend/``): thin
viewsets over ``comms.delivery`` and ``comms.delivery_services``. Anything of an incident
the user may not view answers 404."""

import django_filters
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import error_responses
from core.filters import IdFilter
from crisis.api import require
from crisis.permissions import IncidentApiPermission

from . import delivery, delivery_services
from .delivery_choices import DeliveryStatus
from .delivery_serializers import DeliverySerializer, PublicationSerializer
from .models import Delivery, Publication
from .serializers import EmptySerializer, StatementConflictSerializer

ERRORS = error_responses(
    400, 403, 404, 409, conflict_serializer=StatementConflictSerializer,
    forbidden="You may not publish statements in this incident.",
    not_found="No such delivery, or you may not view its incident.",
    conflict="Only a failed delivery can be sent again.")


class PublicationFilter(django_filters.FilterSet):
    statement = IdFilter(field_name="statement_id", label=_("Statement"))
    incident = IdFilter(field_name="statement__incident_id", label=_("Incident"))

    class Meta:
        model = Publication
        fields = ["statement", "incident"]


class DeliveryFilter(django_filters.FilterSet):
    publication = IdFilter(field_name="publication_id", label=_("Publication"))
    status = django_filters.MultipleChoiceFilter(choices=DeliveryStatus.choices,
                                                 label=_("Status"), distinct=False)

    class Meta:
        model = Delivery
        fields = ["publication", "status"]


class PublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    """Publications of the incidents the signed-in user may view, newest first, each with
    its audience and its deliveries counted by status. Filter by `statement`, `incident`."""

    serializer_class = PublicationSerializer
    permission_classes = [IncidentApiPermission]
    filterset_class = PublicationFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Publication.objects.none()
        return (delivery.publication_list(user=self.request.user)
                .prefetch_related("target__groups").order_by("-published_at", "-pk"))

    def _data(self, publications: list) -> list:
        counts: dict[int, dict[str, int]] = {}
        for row in (Delivery.objects.filter(publication__in=[p.pk for p in publications])
                    .values("publication_id", "status").annotate(n=Count("pk"))
                    .order_by()):
            counts.setdefault(row["publication_id"], {})[row["status"]] = row["n"]
        return PublicationSerializer(publications, many=True,
                                     context={**self.get_serializer_context(),
                                              "counts": counts}).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._data(list(page)))

    def retrieve(self, request, *args, **kwargs):
        publication = delivery.publication_get(user=request.user, pk=kwargs["pk"])
        return Response(self._data([publication])[0])


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Deliveries of the publications the signed-in user may see: one per recipient and
    channel. Filter by `publication` and `status` (repeatable)."""

    serializer_class = DeliverySerializer
    permission_classes = [IncidentApiPermission]
    filterset_class = DeliveryFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return delivery.delivery_list(user=self.request.user).order_by("pk")

    def retrieve(self, request, *args, **kwargs):
        found = delivery.delivery_get(user=request.user, pk=kwargs["pk"])
        return Response(DeliverySerializer(found, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Send a failed delivery again",
        description="A new attempt, written on the incident's timeline. Only a `failed` "
                    "delivery (409 otherwise: a sent one is never sent again), by someone "
                    "holding the publish right on the incident.",
        request=EmptySerializer,
        responses={200: DeliverySerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        found = delivery.delivery_get(user=request.user, pk=pk)
        require(delivery_services.can_resend(request.user, found),
                _("You may not publish statements in this incident."))
        serializer = EmptySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        delivery_services.delivery_resend(actor=request.user, delivery=found)
        fresh = delivery.delivery_get(user=request.user, pk=found.pk)
        return Response(DeliverySerializer(fresh, context=self.get_serializer_context()).data)


# (prefix, viewset, basename) for config.urls' router (appended to comms.api.api_routes).
api_routes: list = [
    ("publications", PublicationViewSet, "publication"),
    ("deliveries", DeliveryViewSet, "delivery"),
]
