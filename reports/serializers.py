"""API shapes of the post-incident review: one input serializer per write (types and
values only; ``reports.services`` owns the rules) and output serializers that read only
what the selectors joined."""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from comms.models import ApprovalPolicy
from core.forms import MAX_ID
from crisis.models import Playbook
from crisis.serializers import StrictCharField, StrictInputMixin, UserSummarySerializer
from monitoring.models import WarningRule, Watch

from . import selectors
from .models import (
    ActionItem,
    ActionItemStatus,
    ActionItemTarget,
    PostIncidentReview,
    ReviewLanguage,
    ReviewSignOff,
    ReviewVersion,
    SignOffRole,
)
from .permissions import can_change_action_item, can_edit_review, sign_off_roles
from .services import (
    MAX_DESCRIPTION_LENGTH,
    MAX_SECTION_LENGTH,
    MAX_TITLE_LENGTH,
    REVIEW_TEXT_FIELDS,
)

# --- output ----------------------------------------------------------------------------------


class ReviewSignOffSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = ReviewSignOff
        fields = ["role", "user", "signed_at"]
        read_only_fields = fields


class ReviewVersionSerializer(serializers.ModelSerializer):
    """One version of the text, with who signed it."""

    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    updated_by = UserSummarySerializer(read_only=True, allow_null=True)
    sign_offs = ReviewSignOffSerializer(many=True, read_only=True)
    is_locked = serializers.SerializerMethodField(
        help_text="Someone signed it: the next edit starts a new version.")
    metrics = serializers.JSONField(
        read_only=True, help_text="Frozen at the full sign-off (reports.metrics); {} while "
                                  "a draft.")

    class Meta:
        model = ReviewVersion
        fields = ["number", "revision", *REVIEW_TEXT_FIELDS, "metrics", "created_by",
                  "created_at", "updated_by", "updated_at", "signed_off_at", "is_locked",
                  "sign_offs"]
        read_only_fields = fields

    def get_is_locked(self, version) -> bool:
        return version.signed_off_at is not None or bool(version.sign_offs.all())


class ReviewVersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewVersion
        fields = ["number", "revision", "created_at", "signed_off_at"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    """A review with its current version in full and the list of its versions."""

    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    incident_title = serializers.CharField(source="incident.title", read_only=True)
    is_drill = serializers.BooleanField(source="incident.is_drill", read_only=True)
    current = serializers.SerializerMethodField(help_text="The current (newest) version.")
    versions = serializers.SerializerMethodField(help_text="Every version, newest first.")
    can_edit = serializers.SerializerMethodField(
        help_text="Whether you may edit the text, the language and the action items.")
    my_sign_off_roles = serializers.SerializerMethodField(
        help_text="The roles in which you may sign the current version now.")
    url = serializers.CharField(source="get_absolute_url", read_only=True,
                                help_text="The review's page.")

    class Meta:
        model = PostIncidentReview
        fields = ["id", "incident", "incident_reference", "incident_title", "is_drill",
                  "language", "created_at", "current", "versions", "can_edit",
                  "my_sign_off_roles", "url"]
        read_only_fields = fields

    def _versions(self, review) -> list[ReviewVersion]:
        if not hasattr(review, "version_list"):
            review.version_list = list(selectors.versions_of(review))
        return review.version_list

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    @staticmethod
    def _attach(review, version: ReviewVersion) -> ReviewVersion:
        version.review = review  # the review (and its incident) already in hand
        return version

    @extend_schema_field(ReviewVersionSerializer)
    def get_current(self, review) -> dict:
        return ReviewVersionSerializer(self._versions(review)[0]).data

    @extend_schema_field(ReviewVersionSummarySerializer(many=True))
    def get_versions(self, review) -> list:
        return ReviewVersionSummarySerializer(self._versions(review), many=True).data

    def get_can_edit(self, review) -> bool:
        return can_edit_review(self._user(), review)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(
        choices=SignOffRole.choices)))
    def get_my_sign_off_roles(self, review) -> list[str]:
        return sign_off_roles(self._user(), self._attach(review, self._versions(review)[0]))


class ReviewListSerializer(serializers.ModelSerializer):
    """A review in a list: where its current version stands (its text: the review itself)."""

    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    incident_title = serializers.CharField(source="incident.title", read_only=True)
    is_drill = serializers.BooleanField(source="incident.is_drill", read_only=True)
    current = serializers.SerializerMethodField(help_text="The current (newest) version.")
    url = serializers.CharField(source="get_absolute_url", read_only=True,
                                help_text="The review's page.")

    class Meta:
        model = PostIncidentReview
        fields = ["id", "incident", "incident_reference", "incident_title", "is_drill",
                  "language", "created_at", "current", "url"]
        read_only_fields = fields

    @extend_schema_field(ReviewVersionSummarySerializer)
    def get_current(self, review) -> dict:
        versions = getattr(review, "newest_first", None)
        version = versions[0] if versions else review.current
        return ReviewVersionSummarySerializer(version).data


class ActionItemSerializer(serializers.ModelSerializer):
    incident = serializers.IntegerField(source="review.incident_id", read_only=True)
    incident_reference = serializers.CharField(source="review.incident.reference",
                                               read_only=True)
    owner = UserSummarySerializer(read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    target_name = serializers.SerializerMethodField(
        help_text="The name of the playbook, policy, watch or rule it changes.")
    is_overdue = serializers.BooleanField(read_only=True)
    can_change = serializers.SerializerMethodField(
        help_text="Whether you may change it (its owner: the status only).")

    class Meta:
        model = ActionItem
        fields = ["id", "review", "incident", "incident_reference", "title", "description",
                  "owner", "due_on", "status", "is_overdue", "changes", "playbook",
                  "approval_policy", "watch", "warning_rule", "target_name", "created_by",
                  "created_at", "updated_at", "completed_at", "can_change"]
        read_only_fields = fields

    def get_target_name(self, item) -> str:
        target = item.target
        return str(target) if target is not None else ""

    def get_can_change(self, item) -> bool:
        request = self.context.get("request")
        return can_change_action_item(getattr(request, "user", None), item)


# --- input -----------------------------------------------------------------------------------


def _section():
    return StrictCharField(required=False, allow_blank=True, max_length=MAX_SECTION_LENGTH)


class ReviewEditSerializer(StrictInputMixin, serializers.Serializer):
    """``base_revision`` (the revision your text was written from) and any sections to
    change; ``language`` changes the language of the review's headings and PDF."""

    base_revision = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False,
        help_text="The revision the text was written from (required with any section).")
    language = serializers.ChoiceField(choices=ReviewLanguage.choices, required=False)
    executive_summary = _section()
    what_happened = _section()
    impact = _section()
    financial_impact = _section()
    operational_impact = _section()
    went_well = _section()
    went_badly = _section()
    root_cause = _section()
    contributing_factors = _section()
    lessons = _section()

    def validate(self, data):
        sections = [field for field in REVIEW_TEXT_FIELDS if field in data]
        if sections and "base_revision" not in data:
            raise serializers.ValidationError({"base_revision": [
                _("Send the revision your text was written from.")]})
        if not sections and "language" not in data:
            raise serializers.ValidationError({"non_field_errors": [
                _("Send at least one section or the language.")]})
        return data


class SignOffInputSerializer(StrictInputMixin, serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                       help_text="The number of the version you sign.")
    role = serializers.ChoiceField(
        choices=SignOffRole.choices, required=False,
        help_text="The role you sign in; by default the first one you hold that is unsigned.")


def _active_users():
    return get_user_model().objects.filter(is_active=True)


AS_ID = {"base_template": "input.html", "input_type": "number"}


class ActionItemUpdateSerializer(StrictInputMixin, serializers.Serializer):
    title = StrictCharField(max_length=MAX_TITLE_LENGTH, required=False)
    description = StrictCharField(max_length=MAX_DESCRIPTION_LENGTH, required=False,
                                  allow_blank=True)
    # A number field in the browsable API, not a list of every user for anyone to read.
    owner = serializers.PrimaryKeyRelatedField(queryset=_active_users(), required=False,
                                               help_text="User id.", style=AS_ID)
    due_on = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=ActionItemStatus.choices, required=False)
    changes = serializers.ChoiceField(choices=ActionItemTarget.choices, required=False)
    # Ids typed in (the browsable API lists no watches or rules to those who may not see
    # them); what ``changes`` names takes its link.
    playbook = serializers.PrimaryKeyRelatedField(
        queryset=Playbook.objects.all(), required=False, allow_null=True, style=AS_ID,
        help_text="Playbook id, when it changes a playbook.")
    approval_policy = serializers.PrimaryKeyRelatedField(
        queryset=ApprovalPolicy.objects.all(), required=False, allow_null=True, style=AS_ID,
        help_text="Approval policy id, when it changes one.")
    watch = serializers.PrimaryKeyRelatedField(
        queryset=Watch.objects.all(), required=False, allow_null=True, style=AS_ID,
        help_text="Watch id, when it changes a watch.")
    warning_rule = serializers.PrimaryKeyRelatedField(
        queryset=WarningRule.objects.all(), required=False, allow_null=True, style=AS_ID,
        help_text="Warning rule id, when it changes one.")


class ActionItemCreateSerializer(ActionItemUpdateSerializer):
    review = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                      help_text="The review's id.")
    title = StrictCharField(max_length=MAX_TITLE_LENGTH)
    owner = serializers.PrimaryKeyRelatedField(queryset=_active_users(), help_text="User id.",
                                               style=AS_ID)
    due_on = serializers.DateField()

    def validate_review(self, value: int) -> PostIncidentReview:
        try:
            return selectors.review_get(user=self.context["request"].user, pk=value)
        except Http404:
            raise serializers.ValidationError(_("No review with this id.")) from None


class ReviewConflictSerializer(serializers.Serializer):
    """A 409: valid, but not against the review as it now stands."""

    detail = serializers.CharField()
    current = serializers.CharField(help_text="The current revision (an edit) or version "
                                              "(a sign-off).")
    allowed = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField(required=False, help_text="The current version.")
    revision = serializers.IntegerField(required=False, help_text="Its current revision.")
