"""``GET /api/metrics/?from=&to=&drills=``: the executive dashboard's numbers as JSON
(``reports.dashboard``), for whoever may see the dashboard; only incidents the caller may
view are counted. The serializers below both document the answer and write it, so the
schema and the body cannot disagree."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .dashboard import DEFAULT_MONTHS, MAX_MONTHS, can_view_dashboard, dashboard_build, period_from


class MedianSerializer(serializers.Serializer):
    median_seconds = serializers.FloatField(
        allow_null=True, help_text="The median in seconds; null when no incident had it.")
    measured = serializers.IntegerField(help_text="How many incidents it was computed from.")
    display = serializers.CharField(help_text="The median for people, in the request's "
                                              "language (\"1 h 05 min\"); empty when null.")


class MetricSummarySerializer(MedianSerializer):
    key = serializers.CharField()
    label = serializers.CharField()
    definition = serializers.CharField()


class CountSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()


class TypeCountSerializer(CountSerializer):
    type = serializers.CharField(help_text="The incident type's code.")


class SeverityCountSerializer(CountSerializer):
    severity = serializers.CharField()


class LevelCountSerializer(CountSerializer):
    level = serializers.CharField(help_text="blue, yellow, orange, red; empty: never had one.")


class MonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    incidents = serializers.IntegerField()
    metrics = serializers.DictField(child=MedianSerializer(),
                                    help_text="The month's median of each key metric.")


class DashboardIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    type = serializers.CharField()
    severity = serializers.CharField()
    peak_level = serializers.CharField()
    status = serializers.CharField()
    is_drill = serializers.BooleanField()
    detected_at = serializers.DateTimeField()
    review = serializers.ChoiceField(choices=["signed_off", "draft"], allow_null=True,
                                     help_text="The review's state; null: none yet.")


class DashboardActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    incident = serializers.IntegerField()
    reference = serializers.CharField()
    owner = serializers.CharField()
    due_on = serializers.DateField()
    status = serializers.CharField()
    overdue = serializers.BooleanField()


class DashboardActionItemsSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    items = DashboardActionItemSerializer(many=True)


class DashboardSerializer(serializers.Serializer):
    drills = serializers.BooleanField(help_text="Whether drills are counted.")
    incidents = serializers.IntegerField(help_text="Incidents detected in the period.")
    drills_left_out = serializers.IntegerField()
    metrics_pending = serializers.IntegerField(help_text=(
        "Incidents whose metrics are still to be computed, left out of the medians: one "
        "request computes them for at most half a second; ask again to include them."))
    by_type = TypeCountSerializer(many=True)
    by_severity = SeverityCountSerializer(many=True)
    by_peak_level = LevelCountSerializer(many=True)
    metrics = MetricSummarySerializer(many=True, help_text="The period's median of each key "
                                                           "metric, with its definition.")
    months = MonthSerializer(many=True)
    incident_list = DashboardIncidentSerializer(many=True, help_text="Newest first, at most "
                                                                     "100.")
    incidents_not_listed = serializers.IntegerField()
    action_items = DashboardActionItemsSerializer(help_text=(
        "Open action items of every incident you may view, whatever the period; overdue "
        "first."))

    def get_fields(self):
        # "from" is a Python keyword: named here rather than as class attributes.
        return {"from": serializers.DateField(), "to": serializers.DateField(),
                **super().get_fields()}


class MetricsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="metrics_retrieve",
        summary="The executive dashboard's numbers for a period",
        description=(
            "Incidents detected in the period (both dates included, in your time zone) that "
            "you may view: counts by type, severity and peak warning level, the monthly median "
            "of the key response metrics, and the open action items. Drills are left out "
            "unless drills=1."),
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description=(
                f"First day (YYYY-MM-DD); default: the first day of the month "
                f"{DEFAULT_MONTHS - 1} months before 'to'.")),
            OpenApiParameter("to", OpenApiTypes.DATE, description=(
                f"Last day (YYYY-MM-DD), on or after 'from', at most {MAX_MONTHS} months "
                "later; default: today.")),
            OpenApiParameter("drills", OpenApiTypes.STR, enum=["0", "1"],
                             description="1: count drills too (default 0)."),
        ],
        responses={
            200: DashboardSerializer,
            400: OpenApiResponse(description="A date that cannot be read, 'from' after 'to' "
                                             "or a period too long; the body names the field."),
            403: OpenApiResponse(description="Only executives, crisis managers, auditors and "
                                             "administrators see the dashboard."),
        })
    def get(self, request):
        if not can_view_dashboard(request.user):
            raise PermissionDenied(_("Reports are for executives, crisis managers, auditors "
                                     "and administrators."))
        period = period_from(request.query_params)  # ValidationError: 400 naming the field
        board = dashboard_build(user=request.user, period=period)
        return Response(DashboardSerializer(board.as_json()).data)
