"""The shapes of alerts and warning rules in the API, and the actions' inputs."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from crisis.choices import Severity
from crisis.models import IncidentType
from crisis.serializers import StrictCharField, StrictInputMixin, UserSummarySerializer

from .alerts import MAX_REASON_LENGTH, alert_title, describe_signals
from .models import Alert, AlertEvidence, WarningRule
from .rules import RULE_LIMITS


class EvidenceSerializer(serializers.ModelSerializer):
    mention = serializers.IntegerField(source="mention_id", read_only=True)
    platform = serializers.CharField(source="mention.platform", read_only=True)
    author = serializers.CharField(source="mention.author_handle", read_only=True)
    followers = serializers.IntegerField(source="mention.author_followers", read_only=True)
    reach = serializers.IntegerField(source="mention.reach", read_only=True)
    sentiment = serializers.FloatField(source="mention.sentiment", read_only=True)
    sentiment_label = serializers.CharField(source="mention.sentiment_label", read_only=True)
    language = serializers.CharField(source="mention.language", read_only=True)
    text = serializers.CharField(source="mention.text", read_only=True)
    url = serializers.CharField(source="mention.url", read_only=True)
    posted_at = serializers.DateTimeField(source="mention.posted_at", read_only=True)

    class Meta:
        model = AlertEvidence
        fields = ["rank", "mention", "platform", "author", "followers", "reach", "sentiment",
                  "sentiment_label", "language", "text", "url", "posted_at"]


class WatchSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class AlertSerializer(serializers.ModelSerializer):
    watch = WatchSummarySerializer(read_only=True)
    title = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField(
        help_text="The signals that crossed their thresholds, in words, in the reader's "
                  "language.")
    evidence = EvidenceSerializer(source="evidence_rows", many=True, read_only=True)
    acknowledged_by = UserSummarySerializer(read_only=True)
    closed_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Alert
        fields = ["id", "watch", "level", "peak_level", "status", "title", "summary",
                  "signals", "top_terms", "top_platforms", "evidence", "rule",
                  "first_mention_at", "opened_at", "updated_at", "level_changed_at",
                  "last_matched_at", "acknowledged_by", "acknowledged_at", "closed_by",
                  "closed_at", "dismiss_reason", "incident"]
        read_only_fields = fields

    def get_title(self, alert) -> str:
        return alert_title(alert)

    def get_summary(self, alert) -> str:
        return describe_signals(alert.signals)


class DismissSerializer(StrictInputMixin, serializers.Serializer):
    reason = StrictCharField(max_length=MAX_REASON_LENGTH,
                             help_text="Why this is not a crisis (required).")


class EscalateSerializer(StrictInputMixin, serializers.Serializer):
    """Either ``incident`` (attach) or the new incident's fields (all optional)."""

    incident = serializers.IntegerField(
        required=False, min_value=1,
        help_text="Attach the alert to this incident (one you manage). Leave out to open a "
                  "new incident from the alert.")
    title = StrictCharField(required=False, max_length=200,
                            help_text="The new incident's title (default: the watch and level).")
    type = serializers.SlugRelatedField(
        slug_field="code", queryset=IncidentType.objects.filter(is_active=True),
        required=False, help_text="The new incident's type code (default: guessed from the "
                                  "alert's evidence, else other).")
    summary = StrictCharField(required=False, max_length=10_000, allow_blank=True,
                              help_text="Default: the alert's signals in words.")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)

    def validate(self, data):
        if "incident" in data:
            extra = sorted(set(data) - {"incident"})
            if extra:
                raise serializers.ValidationError({"incident": [
                    _("Attach to an incident, or give the fields of a new one (%(fields)s), "
                      "not both.") % {"fields": ", ".join(extra)}]})
        return data


class WarningRuleSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = WarningRule
        fields = ["id", "name", "level", "watch", "window_minutes", "min_mentions", "volume_z",
                  "volume_ratio", "negative_share", "velocity", "negative_reach",
                  "influencer_followers", "persistence", "cooldown_minutes", "is_active"]
        extra_kwargs = {field: {"min_value": lowest, "max_value": highest}
                        for field, (lowest, highest) in RULE_LIMITS.items()}
