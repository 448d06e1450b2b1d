"""REST API of teams. Reads of an incident's team go through the incident selectors, so
an incident the user may not view answers 404; writes call one service each."""

import django_filters
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import query_boolean
from crisis import selectors as incident_selectors
from crisis.api import error_responses, path_id, require
from crisis.models import Incident
from crisis.permissions import IncidentApiPermission, can_manage_team

from . import selectors, services
from .choices import NotificationKind
from .filters import DutyShiftFilter
from .models import DutyShift, Notification, RoleAssignment
from .permissions import can_end_role
from .serializers import (
    DepartmentSerializer,
    DutyShiftSerializer,
    LeadHandoverSerializer,
    NotificationReadResultSerializer,
    NotificationReadSerializer,
    NotificationSerializer,
    RoleAssignmentSerializer,
    RoleAssignSerializer,
    RoleEndSerializer,
    RoleSerializer,
)

MAY_NOT = _("You may not change this incident's team.")


@extend_schema(parameters=[path_id("incident_pk", "The incident's id.")])
class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Who holds which role on an incident. `?include_ended=true` adds the history."""

    serializer_class = RoleAssignmentSerializer
    permission_classes = [IncidentApiPermission]
    pagination_class = None  # a team is small; the history is its whole story

    @cached_property
    def incident(self) -> Incident:
        return incident_selectors.incident_get(user=self.request.user,
                                               pk=self.kwargs["incident_pk"])

    input_serializers = {"create": RoleAssignSerializer, "end": RoleEndSerializer,
                         "handover": LeadHandoverSerializer}

    def get_serializer_class(self):
        """A write's own input (what the browsable API's form offers); else the output."""
        return self.input_serializers.get(self.action, RoleAssignmentSerializer)

    def offers_form(self, request) -> bool:
        """The browsable API's forms (people to choose from) are for whoever may change
        this team: nobody else, and never on an incident the user may not view."""
        try:
            incident = self.incident
        except Http404:
            return False
        return self.action == "end" or can_manage_team(request.user, incident)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RoleAssignment.objects.none()
        include_ended = (self.action != "list"
                         or query_boolean(self.request, "include_ended"))
        return selectors.team_for(incident=self.incident, include_ended=include_ended)

    @extend_schema(summary="Give someone a role", request=RoleAssignSerializer,
                   responses={201: RoleAssignmentSerializer, **error_responses(400, 403, 404, 409)})
    def create(self, request, *args, **kwargs):
        incident = self.incident
        require(can_manage_team(request.user, incident), MAY_NOT)
        serializer = RoleAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.role_assign(actor=request.user, incident=incident,
                                          **serializer.validated_data)
        return Response(RoleAssignmentSerializer(assignment).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="End a role (kept in the history)", request=RoleEndSerializer,
                   responses={200: RoleAssignmentSerializer, **error_responses(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        assignment = self.get_object()
        require(can_end_role(request.user, assignment), MAY_NOT)
        serializer = RoleEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.role_end(actor=request.user, assignment=assignment,
                                       **serializer.validated_data)
        return Response(RoleAssignmentSerializer(assignment).data)

    @extend_schema(summary="Hand the lead over", request=LeadHandoverSerializer,
                   responses={201: RoleAssignmentSerializer, **error_responses(400, 403, 404, 409)})
    @action(detail=False, methods=["post"])
    def handover(self, request, *args, **kwargs):
        incident = self.incident
        require(can_manage_team(request.user, incident), MAY_NOT)
        serializer = LeadHandoverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.lead_handover(actor=request.user, incident=incident,
                                            **serializer.validated_data)
        return Response(RoleAssignmentSerializer(assignment).data,
                        status=status.HTTP_201_CREATED)


class RoleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The roles people can hold on an incident, what each does and the rights it grants."""

    serializer_class = RoleSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.role_list().prefetch_related("permissions")


class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Departments with their head and members."""

    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return selectors.department_list()


@extend_schema_view(
    create=extend_schema(responses={201: DutyShiftSerializer, **error_responses(400, 403)}),
    update=extend_schema(responses={200: DutyShiftSerializer,
                                    **error_responses(400, 403, 404)}),
    partial_update=extend_schema(responses={200: DutyShiftSerializer,
                                            **error_responses(400, 403, 404)}),
    destroy=extend_schema(responses={204: None, **error_responses(403, 404)}),
)
class DutyShiftViewSet(viewsets.ModelViewSet):
    """The on-duty roster. Everyone signed in reads it; crisis managers and administrators
    (who hold the ``teams`` duty-shift rights) keep it."""

    serializer_class = DutyShiftSerializer
    permission_classes = [permissions.DjangoModelPermissions]
    filterset_class = DutyShiftFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return DutyShift.objects.select_related("user").order_by("starts_on", "duty", "pk")

    def perform_destroy(self, instance):
        services.duty_shift_delete(actor=self.request.user, shift=instance)


class NotificationFilter(django_filters.FilterSet):
    # A choice, not a BooleanFilter: "?unread=perhaps" is a 400 naming the field, not ignored.
    unread = django_filters.ChoiceFilter(
        method="filter_unread", choices=[("true", "true"), ("false", "false")],
        label=_("true: only unread ones; false: only read ones."))
    kind = django_filters.MultipleChoiceFilter(choices=NotificationKind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "true")


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Your own notifications, newest first (`?unread=true` for the unread ones). Someone
    else's answers 404. Live: the `/ws/notifications/` websocket."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list(user=self.request.user)

    @extend_schema(summary="Mark notifications read", request=NotificationReadSerializer,
                   responses={200: NotificationReadResultSerializer, **error_responses(400)})
    @action(detail=False, methods=["post"])
    def read(self, request, *args, **kwargs):
        serializer = NotificationReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = services.notification_mark_read(user=request.user,
                                                 ids=serializer.validated_data["ids"])
        return Response(NotificationReadResultSerializer({
            "marked": marked,
            "unread": selectors.notification_unread_count(user=request.user)}).data)
