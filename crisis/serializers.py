from django.utils.translation import gettext as _
from rest_framework import serializers

from .models import Incident


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class IncidentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:incident-detail")

    class Meta:
        model = Incident
        fields = ["id", "url", "reference", "title", "summary", "status", "severity",
                  "created_by", "created_at", "updated_at"]
        read_only_fields = fields


class IncidentCreateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = ["title", "summary", "severity"]
        extra_kwargs = {"summary": {"required": False}, "severity": {"required": False}}

    def validate_title(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("This field is required."))
        return value
