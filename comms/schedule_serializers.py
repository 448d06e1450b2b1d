"""The shapes of scheduled publications in the API, and the time field of the publish
input (an ISO 8601 time with its offset; a time without one is refused, not guessed)."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis.serializers import UserSummarySerializer

from .models import ScheduledPublication


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time that names its offset from UTC."""

    default_error_messages = {
        "naive": _("Give the time with its offset from UTC (for example "
                   "2026-05-03T09:00:00+08:00)."),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)


class ScheduledPublicationSerializer(serializers.ModelSerializer):
    incident = serializers.IntegerField(source="statement.incident_id", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    groups = serializers.SerializerMethodField()
    channels = serializers.ListField(child=serializers.CharField(), read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    cancelled_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ScheduledPublication
        fields = ["id", "statement", "incident", "version", "groups", "channels", "publish_at",
                  "status", "reason", "created_by", "created_at", "publication",
                  "cancelled_by", "finished_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_groups(self, schedule: ScheduledPublication) -> list[int]:
        return sorted(group.pk for group in schedule.groups.all())
