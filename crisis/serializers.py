"""API shapes: one input serializer per write (validates types and values only; the
service owns the rules) and output serializers that read only what the selectors joined."""

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.reverse import reverse as drf_reverse

from core.text import clean_text

from . import selectors
from .choices import (
    AUTHORED_KINDS,
    Confidentiality,
    DepartmentKind,
    IncidentStatus,
    Origin,
    Severity,
    StakeholderKind,
    TaskStatus,
    WarningLevel,
)
from .models import ChecklistItem, Incident, IncidentType, Task, TaskComment, TimelineEntry
from .services import MAX_LIST_ITEM_LENGTH, MAX_LIST_ITEMS, MAX_TEXT_LENGTH

# --- building blocks -----------------------------------------------------------------------


class StrictInputMixin:
    """Refuse keys the serializer does not know, naming them, instead of ignoring them."""

    ignored_keys = frozenset({"csrfmiddlewaretoken"})  # sent by HTML forms

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            extra = set(data) - set(self.fields) - self.ignored_keys
            unknown = {key: [_("Unknown field.")] for key in sorted(extra)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictCharField(serializers.CharField):
    """Text only: a number or a list where text belongs is an error, not coerced. Trimmed
    as ``core.text`` says, so text made only of invisible characters is blank."""

    def run_validation(self, data=empty):
        if self.trim_whitespace and isinstance(data, str):
            data = clean_text(data)
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RequiredBooleanField(serializers.BooleanField):
    """A boolean that must be sent: a missing form field is an error, not ``False``."""

    default_empty_html = empty


def _text_list_field():
    return serializers.ListField(
        child=StrictCharField(max_length=MAX_LIST_ITEM_LENGTH), required=False,
        max_length=MAX_LIST_ITEMS)


def _stakeholder_kinds_field():
    return serializers.ListField(
        child=serializers.ChoiceField(choices=StakeholderKind.choices), required=False,
        max_length=MAX_LIST_ITEMS)


def _reason_field(*, required: bool):
    if required:
        return StrictCharField(max_length=MAX_TEXT_LENGTH)
    return StrictCharField(max_length=MAX_TEXT_LENGTH, required=False, allow_blank=True)


def _visible_incident(context, value: int) -> Incident:
    """The incident ``value`` if the requesting user may view it; else the same error as
    for one that does not exist."""
    try:
        return selectors.incident_get(user=context["request"].user, pk=value)
    except Http404:
        raise serializers.ValidationError(_("No incident with this id.")) from None


def blank_or_choice(choices) -> serializers.ChoiceField:
    """A read-only choice that may be empty (``""``: not set), as the schema says."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True)


def _active_users():
    return get_user_model().objects.filter(is_active=True)


# --- output --------------------------------------------------------------------------------


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class IncidentTypeSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentType
        fields = ["code", "name"]


class IncidentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentType
        fields = ["code", "name", "description"]


def _reader(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


_STAND_IN_PK = 918273645546372819  # an id no incident takes: one reverse() for a whole page


class IncidentListSerializer(serializers.ListSerializer):
    """``IncidentSerializer``'s answer for many incidents (the list API, refreshed every few
    seconds during a crisis), written in plain Python: the same keys and values, in the same
    order (a test compares the two on every kind of incident), without a DRF field object
    per key and row — about half of a page's time — one ``reverse()`` per page instead of
    one per row, and the incidents merged into others checked in one query, not one each."""

    def to_representation(self, data):
        incidents = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        request = self.context.get("request")
        url = drf_reverse("api:incident-detail", kwargs={"pk": _STAND_IN_PK}, request=request,
                          format=self.context.get("format"))
        survivors = {survivor for survivor in selectors.incident_list(user=_reader(self)).filter(
            pk__in={i.merged_into_id for i in incidents if i.merged_into_id}).values_list(
            "pk", flat=True)} if any(i.merged_into_id for i in incidents) else set()
        zone = timezone.get_current_timezone()  # the reader's (DRF's DateTimeField, ISO 8601)

        def moment(value):
            if value is None:
                return None
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return [self._incident(incident, url, survivors, moment) for incident in incidents]

    @staticmethod
    def _incident(incident: Incident, url: str, survivors: set, moment) -> dict:
        kind, author = incident.type, incident.created_by
        return {
            "id": incident.pk,
            "url": url.replace(str(_STAND_IN_PK), str(incident.pk)),
            "reference": incident.reference,
            "title": incident.title,
            "summary": incident.summary,
            "type": {"code": kind.code, "name": kind.name},
            "origin": incident.origin,
            "status": incident.status,
            "severity": incident.severity,
            "warning_level": incident.warning_level,
            "warning_level_auto": incident.warning_level_auto,
            "warning_level_manual": incident.warning_level_manual,
            "warning_level_overridden": bool(incident.warning_level_overridden),
            "confidentiality": incident.confidentiality,
            "stakeholder_kinds": incident.stakeholder_kinds,
            "affected_products": incident.affected_products,
            "affected_regions": incident.affected_regions,
            "tags": incident.tags,
            "is_drill": bool(incident.is_drill),
            "detected_at": moment(incident.detected_at),
            "acknowledged_at": moment(incident.acknowledged_at),
            "contained_at": moment(incident.contained_at),
            "resolved_at": moment(incident.resolved_at),
            "closed_at": moment(incident.closed_at),
            "merged_into": incident.merged_into_id if incident.merged_into_id in survivors
            else None,
            "created_by": {"id": author.pk, "username": author.username, "name": str(author)},
            "created_at": moment(incident.created_at),
            "updated_at": moment(incident.updated_at),
        }


class IncidentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    type = IncidentTypeSummarySerializer(read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:incident-detail")
    warning_level = blank_or_choice(WarningLevel.choices)
    warning_level_auto = blank_or_choice(WarningLevel.choices)
    warning_level_manual = blank_or_choice(WarningLevel.choices)
    merged_into = serializers.SerializerMethodField(
        help_text="Id of the incident this one was merged into; null when it was not, or "
                  "when you may not view that incident.")

    def get_merged_into(self, incident) -> int | None:
        survivor = selectors.merged_into_for(user=_reader(self), incident=incident)
        return survivor.pk if survivor else None

    class Meta:
        model = Incident
        fields = ["id", "url", "reference", "title", "summary", "type", "origin", "status",
                  "severity", "warning_level", "warning_level_auto", "warning_level_manual",
                  "warning_level_overridden", "confidentiality", "stakeholder_kinds",
                  "affected_products", "affected_regions", "tags", "is_drill", "detected_at",
                  "acknowledged_at", "contained_at", "resolved_at", "closed_at", "merged_into",
                  "created_by", "created_at", "updated_at"]
        read_only_fields = fields
        list_serializer_class = IncidentListSerializer


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    data = serializers.SerializerMethodField(
        help_text="The entry's facts, by kind; a merge names the incident it went into only "
                  "to people who may view it.")
    merged_from = serializers.SerializerMethodField(
        help_text="Reference of the incident the entry was written in, when a merge moved "
                  "it here.")

    def get_data(self, entry) -> dict:
        return selectors.entry_data_for(user=_reader(self), entry=entry)

    def get_merged_from(self, entry) -> str | None:
        return Incident(pk=entry.merged_from_id).reference if entry.merged_from_id else None

    class Meta:
        model = TimelineEntry
        fields = ["id", "incident", "kind", "actor", "body", "data", "corrects", "pinned",
                  "merged_from", "created_at"]
        read_only_fields = fields


class TimelineEntryCreatedSerializer(TimelineEntrySerializer):
    """The entry just written, with what its writer should know."""

    unknown_mentions = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text="Names written as @name that are nobody's username: nobody by them was "
                  "notified (the entry is saved all the same).")

    class Meta(TimelineEntrySerializer.Meta):
        fields = [*TimelineEntrySerializer.Meta.fields, "unknown_mentions"]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "text", "done"]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:task-detail")
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    owner_department = blank_or_choice(DepartmentKind.choices)
    is_overdue = serializers.BooleanField(read_only=True)
    checklist_items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = ["id", "url", "incident", "incident_reference", "position", "title",
                  "description", "status", "status_reason", "owner", "owner_role",
                  "owner_department", "due_at", "is_overdue", "completed_at", "created_at",
                  "checklist_items"]
        read_only_fields = fields


class TaskCommentSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = TaskComment
        fields = ["id", "task", "author", "body", "created_at"]
        read_only_fields = fields


class TaskCommentCreatedSerializer(TaskCommentSerializer):
    """The comment just written, with what its writer should know."""

    unknown_mentions = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text="Names written as @name that are nobody's username: nobody by them was "
                  "notified (the comment is saved all the same).")

    class Meta(TaskCommentSerializer.Meta):
        fields = [*TaskCommentSerializer.Meta.fields, "unknown_mentions"]
        read_only_fields = fields


# --- input: incidents ----------------------------------------------------------------------


class IncidentCreateSerializer(StrictInputMixin, serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.CharField: StrictCharField,
                                models.TextField: StrictCharField}
    type = serializers.SlugRelatedField(slug_field="code",
                                        queryset=IncidentType.objects.filter(is_active=True))
    stakeholder_kinds = _stakeholder_kinds_field()
    affected_products = _text_list_field()
    affected_regions = _text_list_field()
    tags = _text_list_field()

    class Meta:
        model = Incident
        fields = ["title", "summary", "type", "severity", "origin", "confidentiality",
                  "warning_level", "stakeholder_kinds", "affected_products",
                  "affected_regions", "tags", "is_drill", "detected_at"]
        extra_kwargs = {field: {"required": False} for field in fields
                        if field not in ("title", "type")}
        extra_kwargs["summary"]["max_length"] = MAX_TEXT_LENGTH


class IncidentTransitionSerializer(StrictInputMixin, serializers.Serializer):
    to_status = serializers.ChoiceField(choices=IncidentStatus.choices)
    reason = _reason_field(required=False)


class IncidentReopenSerializer(StrictInputMixin, serializers.Serializer):
    reason = _reason_field(required=True)


class IncidentMergeSerializer(StrictInputMixin, serializers.Serializer):
    into = serializers.IntegerField(
        min_value=1, help_text="Id of the incident that absorbs this one; you must be able "
                               "to view it.")
    reason = _reason_field(required=True)

    def validate_into(self, value: int) -> Incident:
        return _visible_incident(self.context, value)


class IncidentEscalateSerializer(StrictInputMixin, serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    warning_level = serializers.ChoiceField(choices=WarningLevel.choices, required=False)
    override = serializers.BooleanField(
        default=False, help_text="Let the manual warning level win even when the automatic "
                                 "one is higher.")
    reason = _reason_field(required=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("override") and not attrs.get("warning_level"):
            raise serializers.ValidationError(
                {"override": [_("An override needs the warning level it sets.")]})
        return attrs


class IncidentClassifySerializer(StrictInputMixin, serializers.Serializer):
    """Any subset of the classification; use it with ``partial=True``."""

    title = StrictCharField(max_length=200)
    summary = StrictCharField(allow_blank=True, max_length=MAX_TEXT_LENGTH)
    type = serializers.SlugRelatedField(slug_field="code",
                                        queryset=IncidentType.objects.filter(is_active=True))
    origin = serializers.ChoiceField(choices=Origin.choices)
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices)
    stakeholder_kinds = _stakeholder_kinds_field()
    affected_products = _text_list_field()
    affected_regions = _text_list_field()
    tags = _text_list_field()
    is_drill = serializers.BooleanField()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs:
            raise serializers.ValidationError(
                _("Send at least one of: %(fields)s.") % {"fields": ", ".join(self.fields)})
        return attrs


# --- input: timeline -----------------------------------------------------------------------


class TimelineEntryCreateSerializer(StrictInputMixin, serializers.Serializer):
    """Needs ``incident`` and ``request`` in its context."""

    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in AUTHORED_KINDS], required=False,
        help_text="Required, except for a correction: it is recorded as the kind of the entry "
                  "it corrects unless you send another.")
    body = StrictCharField(max_length=MAX_TEXT_LENGTH)
    corrects = serializers.IntegerField(
        required=False, allow_null=True, min_value=1,
        help_text="Id of an earlier entry of the same incident that this one corrects.")

    def validate_corrects(self, value: int | None) -> TimelineEntry | None:
        if value is None:
            return None
        entry = selectors.timeline_for(user=self.context["request"].user,
                                       incident=self.context["incident"]).filter(pk=value).first()
        if entry is None:
            raise serializers.ValidationError(_("No entry with this id in this incident."))
        return entry


class TimelineEntryPinSerializer(StrictInputMixin, serializers.Serializer):
    pinned = RequiredBooleanField()


# --- input: tasks --------------------------------------------------------------------------

# The browsable API's form takes a user's id in a number field: a <select> would list every
# active user, with names, to anyone signed in.
USER_ID_INPUT = {"base_template": "input.html", "input_type": "number"}


class TaskCreateSerializer(StrictInputMixin, serializers.Serializer):
    incident = serializers.IntegerField(min_value=1)
    title = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True,
                                        max_length=MAX_TEXT_LENGTH)
    owner = serializers.PrimaryKeyRelatedField(queryset=_active_users(), required=False,
                                               allow_null=True, style=USER_ID_INPUT)
    due_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate_incident(self, value: int) -> Incident:
        return _visible_incident(self.context, value)


class TaskStatusSerializer(StrictInputMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    reason = _reason_field(required=False)


class TaskAssignSerializer(StrictInputMixin, serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), allow_null=True, help_text="User id, or null to unassign.",
        style=USER_ID_INPUT)


class ChecklistItemSetSerializer(StrictInputMixin, serializers.Serializer):
    done = RequiredBooleanField()


class TaskCommentCreateSerializer(StrictInputMixin, serializers.Serializer):
    body = StrictCharField(max_length=MAX_TEXT_LENGTH)



# --- errors (documentation only) -----------------------------------------------------------


class ConflictErrorSerializer(serializers.Serializer):
    """A 409: the request was valid but the current state does not allow it."""

    detail = serializers.CharField()
    current = serializers.CharField(help_text="The state the object is in now.")
    allowed = serializers.ListField(child=serializers.CharField(),
                                    help_text="Where it may go from here (may be empty).")
    open_tasks = serializers.IntegerField(required=False,
                                          help_text="Closing only: unfinished tasks.")
