"""The shapes of publications and deliveries in the API, and the publish input."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.forms import MAX_ID
from crisis.serializers import StrictInputMixin, UserSummarySerializer

from . import delivery
from .delivery_choices import DELIVERY_CHANNELS, DeliveryStatus
from .models import Delivery, Publication
from .schedule_serializers import AwareDateTimeField


class PublishInputSerializer(StrictInputMixin, serializers.Serializer):
    groups = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
        max_length=100,
        help_text="Ids of the stakeholder groups to send to; none (the default): the public "
                  "status page only.")
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=DELIVERY_CHANNELS), required=False,
        max_length=len(DELIVERY_CHANNELS),
        help_text="Channels to send on (needed with groups): email, webhook and sms reach "
                  "the groups' active contacts that have an address on it (sms: through the "
                  "SMS gateway, when one is active); chat reaches the groups' chat rooms; "
                  "in_app reaches the employees group's people in CrisisDesk.")
    publish_at = AwareDateTimeField(
        required=False,
        help_text="Publish later, at this time (ISO 8601 with its offset from UTC, in the "
                  "future, within 30 days): answers 202 with the scheduled publication. "
                  "Absent: publish now.")


class PublicationSerializer(serializers.ModelSerializer):
    incident = serializers.IntegerField(source="statement.incident_id", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    published_by = UserSummarySerializer(read_only=True)
    groups = serializers.SerializerMethodField()
    channels = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = ["id", "statement", "incident", "version", "version_hash", "published_by",
                  "published_at", "groups", "channels", "counts"]

    def _target(self, publication):
        return getattr(publication, "target", None)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_groups(self, publication) -> list[int]:
        target = self._target(publication)
        return sorted(g.pk for g in target.groups.all()) if target else []

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_channels(self, publication) -> list[str]:
        target = self._target(publication)
        return list(target.channels) if target else []

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_counts(self, publication) -> dict[str, int]:
        counts = self.context.get("counts", {})
        found = counts.get(publication.pk, {})
        return {status: found.get(status, 0) for status in DeliveryStatus.values}


class DeliverySerializer(serializers.ModelSerializer):
    """``recipient`` and ``address`` only for those who see contacts or may publish in the
    incident (null otherwise): they are personal data."""

    statement = serializers.IntegerField(source="publication.statement_id", read_only=True)
    recipient = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    user = serializers.IntegerField(source="user_id", read_only=True, allow_null=True)
    contact = serializers.IntegerField(source="contact_id", read_only=True, allow_null=True)
    acknowledged_at = serializers.SerializerMethodField(
        help_text="When the recipient confirmed receipt through the link sent with it (groups "
                  "that require acknowledgement); null until then.")

    class Meta:
        model = Delivery
        fields = ["id", "publication", "statement", "group", "channel", "contact", "user",
                  "recipient", "address", "status", "attempts", "last_error", "version_number",
                  "version_hash", "idempotency_key", "created_at", "next_attempt_at",
                  "claimed_at", "sent_at", "failed_at", "acknowledged_at"]

    def _may_see(self, item: Delivery) -> bool:
        request = self.context.get("request")
        cache = self.context.setdefault("_may_see", {})
        incident = item.publication.statement.incident
        if incident.pk not in cache:
            cache[incident.pk] = bool(request) and delivery.may_see_recipients(request.user,
                                                                               incident)
        return cache[incident.pk]

    def get_recipient(self, item: Delivery) -> str | None:
        return item.recipient_name if self._may_see(item) else None

    def get_address(self, item: Delivery) -> str | None:
        return item.address if self._may_see(item) else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_acknowledged_at(self, item: Delivery) -> str | None:
        acknowledgement = getattr(item, "acknowledgement", None)
        if acknowledgement is None:
            return None
        return serializers.DateTimeField().to_representation(acknowledgement.acknowledged_at)
