"""The alerts API (``/api/alerts/``) and the warning rules (``/api/warning-rules/``): thin
viewsets over ``monitoring.alerts`` and ``monitoring.alert_selectors``.

Alerts are read with ``monitoring.view_alert`` (anyone else: an empty list, 404 by id) and
acted on with ``monitoring.change_alert``. Escalating onto an incident the user may not
view answers 404, like the incident itself."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import error_responses
from crisis.api import require
from crisis.selectors import incident_list
from crisis.serializers import ConflictErrorSerializer

from . import alert_selectors, alerts, rules
from .alert_filters import AlertFilter
from .alert_serializers import (
    AlertSerializer,
    DismissSerializer,
    EscalateSerializer,
    WarningRuleSerializer,
)
from .models import WarningRule
from .permissions import can_change_alerts, can_view_alerts

ERRORS = error_responses(
    400, 403, 404, 409, conflict_serializer=ConflictErrorSerializer,
    forbidden="You may not act on alerts (or change that incident).",
    not_found="No such alert (or incident you may view).",
    conflict="The alert is not open or acknowledged any more.")


class AlertApiPermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_view_alerts(request.user)


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Early-warning alerts: open and acknowledged ones first, the highest level first, then
    the latest change. Filter by `level`, `status` (both repeatable), `watch` and
    `incident`. `summary` puts the signals in words in your language."""

    serializer_class = AlertSerializer
    permission_classes = [AlertApiPermission]
    filterset_class = AlertFilter
    ordering_fields = ["opened_at", "updated_at", "first_mention_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return alert_selectors.Alert.objects.none()
        return alert_selectors.alert_list(user=self.request.user)

    def offers_form(self, request) -> bool:
        """The browsable API's forms (acknowledge, dismiss, escalate) are for those who may
        act on alerts (an executive follows them and is offered none)."""
        return can_change_alerts(request.user)

    def _answer(self, alert) -> Response:
        return Response(AlertSerializer(
            alert_selectors.alert_get(user=self.request.user, pk=alert.pk)).data)

    def _alert(self, pk):
        alert = alert_selectors.alert_get(user=self.request.user, pk=pk)
        require(can_change_alerts(self.request.user), str(alerts.may_not_act()))
        return alert

    @extend_schema(summary="Acknowledge an alert",
                   description="Someone is looking at it: `open` → `acknowledged`.",
                   request=None, responses={200: AlertSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alert = alerts.alert_acknowledge(actor=request.user, alert=self._alert(pk))
        return self._answer(alert)

    @extend_schema(summary="Dismiss an alert",
                   description="Not a crisis: closed with a `reason` (required). The rest "
                               "of the spike stays silent unless it climbs higher.",
                   request=DismissSerializer, responses={200: AlertSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        alert = self._alert(pk)
        serializer = DismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = alerts.alert_dismiss(actor=request.user, alert=alert,
                                     reason=serializer.validated_data["reason"])
        return self._answer(alert)

    @extend_schema(
        summary="Escalate an alert to an incident",
        description="Send `incident` to attach the alert to an incident you manage, or the "
                    "new incident's fields (`title`, `type`, `summary`, `severity`; all "
                    "optional) to open one: detected at the spike's first mention, its "
                    "automatic warning level following its alerts, the signals and evidence "
                    "on its timeline.",
        request=EscalateSerializer, responses={200: AlertSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        alert = self._alert(pk)
        serializer = EscalateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "incident" in data:
            incident = incident_list(user=request.user).filter(pk=data.pop("incident")).first()
            if incident is None:
                raise Http404("No such incident.")
            data["incident"] = incident
        alert = alerts.alert_escalate(actor=request.user, alert=alert, **data)
        return self._answer(alert)


class WarningRuleApiPermission(permissions.BasePermission):
    """Reading the rules takes ``monitoring.view_alert``; changing them,
    ``monitoring.change_warningrule``."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return can_view_alerts(request.user)
        return rules.can_change_rules(request.user)


RULE_ERRORS = error_responses(
    400, 403, 404, forbidden="You may not read (or change) the warning rules.",
    not_found="No such warning rule.")


@extend_schema_view(
    list=extend_schema(responses={200: WarningRuleSerializer(many=True), 403: RULE_ERRORS[403]}),
    retrieve=extend_schema(responses={200: WarningRuleSerializer,
                                      **{c: RULE_ERRORS[c] for c in (403, 404)}}),
    create=extend_schema(responses={201: WarningRuleSerializer,
                                    **{c: RULE_ERRORS[c] for c in (400, 403)}}),
    update=extend_schema(responses={200: WarningRuleSerializer, **RULE_ERRORS}),
    partial_update=extend_schema(responses={200: WarningRuleSerializer, **RULE_ERRORS}),
    destroy=extend_schema(responses={204: None, **{c: RULE_ERRORS[c] for c in (403, 404)}}),
)
class WarningRuleViewSet(viewsets.ModelViewSet):
    """The warning rules: each level's thresholds (every threshold set must be crossed;
    the highest matching level wins; a watch's own rule replaces the rules for every watch
    at its level). Writes go through ``monitoring.rules``."""

    serializer_class = WarningRuleSerializer
    permission_classes = [WarningRuleApiPermission]
    queryset = WarningRule.objects.none()
    lookup_value_regex = r"\d+"
    filterset_fields = ["level", "watch", "is_active"]

    def get_queryset(self):
        return alert_selectors.warning_rule_list()

    def perform_create(self, serializer):
        serializer.instance = rules.warning_rule_create(actor=self.request.user,
                                                        **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = rules.warning_rule_update(
            actor=self.request.user, rule=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        rules.warning_rule_delete(actor=self.request.user, rule=instance)


# (prefix, viewset, basename) for config.urls' router.
api_routes: list = [
    ("alerts", AlertViewSet, "alert"),
    ("warning-rules", WarningRuleViewSet, "warning-rule"),
]
