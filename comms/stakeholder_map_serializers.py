"""API shapes of the stakeholder map: the input of a change (types and values only;
``comms.stakeholder_map_services`` owns the rules) and an entry of the map."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis.serializers import StrictInputMixin, UserSummarySerializer
from teams.models import User

from .serializers import StrictIntegerField
from .stakeholder_map_choices import StakeholderPriority, UpdateCadence


@extend_schema_field({"type": "string",
                      "description": "One of: " + ", ".join(StakeholderPriority.values) + "."})
class PriorityField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=StakeholderPriority.choices, **kwargs)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StakeholderEditSerializer(StrictInputMixin, serializers.Serializer):
    """Any subset; what is not sent is kept. Use with ``partial=True``."""

    affected = StrictBooleanField(required=False)
    priority = PriorityField(required=False)
    owner = StrictIntegerField(min_value=1, max_value=2**63 - 1, required=False,
                               allow_null=True,
                               help_text="Id of the person who owns the group on this "
                                         "incident; they must be able to view it. Null: "
                                         "nobody.")
    cadence_minutes = StrictIntegerField(
        required=False, help_text="Minutes between promised updates, one of: "
                                  + ", ".join(map(str, UpdateCadence.values)) + ".")

    def validate_owner(self, value: int | None) -> User | None:
        if value is None:
            return None
        person = User.objects.filter(pk=value, is_active=True).first()
        if person is None:
            raise serializers.ValidationError(_("No person with this id."))
        return person

    def validate_cadence_minutes(self, value: int) -> int:
        if value not in UpdateCadence.values:
            raise serializers.ValidationError(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(map(str, UpdateCadence.values))})
        return value


class StakeholderGroupSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)
    kind = serializers.CharField(read_only=True)


class ReceivedSerializer(serializers.Serializer):
    """The latest publication sent to a group (``comms.stakeholder_map.Received``)."""

    publication = serializers.IntegerField(source="publication_id", read_only=True)
    statement = serializers.IntegerField(source="statement_id", read_only=True)
    title = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True)
    received_at = serializers.DateTimeField(
        read_only=True, allow_null=True,
        help_text="When the latest of its deliveries to the group was sent; null while none "
                  "is.")
    deliveries = serializers.IntegerField(source="total", read_only=True)
    delivered = serializers.IntegerField(read_only=True,
                                         help_text="Deliveries sent or acknowledged.")
    acknowledged = serializers.IntegerField(read_only=True)
    to_acknowledge = serializers.IntegerField(
        read_only=True, help_text="Deliveries that carried an acknowledgement link (to "
                                  "contacts, where the group requires acknowledgement).")


class StakeholderEntrySerializer(serializers.Serializer):
    """One group on an incident's map (``comms.stakeholder_map.MapEntry``)."""

    group = StakeholderGroupSummarySerializer(read_only=True)
    stored = serializers.BooleanField(source="is_stored", read_only=True,
                                      help_text="False: shown from the incident's stakeholder "
                                                "kinds with the defaults, nothing stored yet.")
    affected = serializers.BooleanField(read_only=True)
    priority = PriorityField(read_only=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    cadence_minutes = serializers.IntegerField(read_only=True)
    last_update_at = serializers.DateTimeField(read_only=True, allow_null=True)
    next_update_due = serializers.DateTimeField(read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    last_received = ReceivedSerializer(source="received", read_only=True, allow_null=True,
                                       help_text="The latest statement version sent to the "
                                                 "group; null when none was.")
    delivery_rate = serializers.FloatField(
        source="received.delivery_rate", read_only=True, allow_null=True,
        help_text="Of the latest publication's deliveries to the group, the share sent or "
                  "acknowledged (0 to 1); null when nothing was sent to it.")
    acknowledgement_rate = serializers.FloatField(
        source="received.acknowledgement_rate", read_only=True, allow_null=True,
        help_text="Of those deliveries that asked for acknowledgement, the share acknowledged "
                  "(0 to 1); null when the group does not require acknowledgement or nothing "
                  "was sent to it.")
