from django.utils.translation import gettext as _
from rest_framework import serializers

from .choices import StakeholderKind
from .models import Incident, IncidentType


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class IncidentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentType
        fields = ["code", "name"]


class IncidentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    type = IncidentTypeSerializer(read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:incident-detail")

    class Meta:
        model = Incident
        fields = ["id", "url", "reference", "title", "summary", "type", "origin", "status",
                  "severity", "warning_level", "warning_level_auto", "warning_level_manual",
                  "warning_level_overridden", "confidentiality", "stakeholder_kinds",
                  "affected_products", "affected_regions", "tags", "is_drill", "detected_at",
                  "acknowledged_at", "contained_at", "resolved_at", "closed_at", "merged_into",
                  "created_by", "created_at", "updated_at"]
        read_only_fields = fields


class IncidentCreateSerializer(serializers.ModelSerializer):
    type = serializers.SlugRelatedField(slug_field="code",
                                        queryset=IncidentType.objects.filter(is_active=True),
                                        required=False)
    stakeholder_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=StakeholderKind.choices), required=False,
        max_length=30)
    affected_products = serializers.ListField(child=serializers.CharField(max_length=80),
                                              required=False, max_length=30)
    affected_regions = serializers.ListField(child=serializers.CharField(max_length=80),
                                             required=False, max_length=30)
    tags = serializers.ListField(child=serializers.CharField(max_length=80), required=False,
                                 max_length=30)

    class Meta:
        model = Incident
        fields = ["title", "summary", "type", "severity", "origin", "confidentiality",
                  "warning_level", "stakeholder_kinds", "affected_products",
                  "affected_regions", "tags", "is_drill", "detected_at"]
        extra_kwargs = {field: {"required": False} for field in fields if field != "title"}

    def validate_title(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("This field is required."))
        return value
