"""API shapes of teams: roles, assignments, departments, the duty roster and one's own
notifications."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

from crisis.selectors import assignable_people
from crisis.serializers import StrictInputMixin, UserSummarySerializer

from .choices import HandoverPrevious
from .models import Department, DutyShift, Notification, Role, RoleAssignment
from .selectors import role_list
from .services import (
    MAX_NOTE_LENGTH,
    MAX_READ_IDS,
    check_notification_read,
    duty_shift_create,
    duty_shift_update,
)


class RoleSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    rights = serializers.SerializerMethodField()

    class Meta:
        model = Role
        fields = ["id", "code", "name", "description", "rights", "single_holder",
                  "per_department"]

    def get_rights(self, role) -> list[str]:
        return sorted(permission.codename for permission in role.permissions.all())


class RoleSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Role
        fields = ["code", "name"]


class DepartmentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "kind"]


class DepartmentSerializer(serializers.ModelSerializer):
    head = UserSummarySerializer(read_only=True, allow_null=True)
    members = UserSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "kind", "head", "members"]


class RoleAssignmentSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    role = RoleSummarySerializer(read_only=True)
    department = DepartmentSummarySerializer(read_only=True, allow_null=True)
    assigned_by = UserSummarySerializer(read_only=True, allow_null=True)
    ended_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "incident", "user", "role", "department", "note", "assigned_by",
                  "assigned_at", "ended_by", "ended_at"]
        read_only_fields = fields  # the incident comes from the URL; writes have their own


class RoleAssignSerializer(StrictInputMixin, serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=assignable_people())
    role = serializers.SlugRelatedField(slug_field="code", queryset=role_list())
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(),
                                                    required=False, allow_null=True)
    note = serializers.CharField(max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True)


class RoleEndSerializer(StrictInputMixin, serializers.Serializer):
    note = serializers.CharField(max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True)


class LeadHandoverSerializer(StrictInputMixin, serializers.Serializer):
    to = serializers.PrimaryKeyRelatedField(queryset=assignable_people())
    previous = serializers.ChoiceField(
        choices=HandoverPrevious.choices, default=HandoverPrevious.DEPUTY,
        help_text=_("What becomes of the old lead: deputy, or released from the lead role."))
    note = serializers.CharField(max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True)


class DutyShiftSerializer(StrictInputMixin, serializers.ModelSerializer):
    """Checks the shape; ``teams.services`` duty_shift_create / _update write (and check
    the dates and the right)."""

    person = UserSummarySerializer(source="user", read_only=True)
    user = serializers.PrimaryKeyRelatedField(queryset=assignable_people(), write_only=True)

    class Meta:
        model = DutyShift
        fields = ["id", "duty", "user", "person", "starts_on", "ends_on"]
        validators = []  # the dates' order is the service's rule

    def create(self, validated_data):
        return duty_shift_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return duty_shift_update(actor=self.context["request"].user, shift=instance,
                                 **validated_data)


class NotificationIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    incident = NotificationIncidentSerializer(read_only=True, allow_null=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_label", "title", "incident", "created_at", "read",
                  "read_at"]

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


@extend_schema_field({"type": "array", "items": {"type": "integer", "minimum": 1},
                      "minItems": 1, "maxItems": MAX_READ_IDS})
class NotificationIdsField(serializers.Field):
    """Passed as sent (a JSON list, or repeated form keys) to the one check,
    ``teams.services.check_notification_read``."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary):
            return dictionary.getlist(self.field_name) if self.field_name in dictionary \
                else empty
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        return data


class NotificationReadSerializer(StrictInputMixin, serializers.Serializer):
    ids = NotificationIdsField(
        required=False,
        help_text=_("Ids of your notifications to mark read (others' are ignored)."))
    all = serializers.BooleanField(required=False,
                                   help_text=_("true: mark every notification of yours read."))

    def validate(self, attrs):
        try:
            attrs["ids"] = check_notification_read(ids=attrs.get("ids"), every=attrs.get("all"),
                                                   from_text=True)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return attrs


class NotificationReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many were unread and are read now."))
    unread = serializers.IntegerField(help_text=_("How many are still unread."))
