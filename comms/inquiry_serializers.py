"""API shapes of media inquiries: one input serializer per write (types and values only;
``comms.inquiry_services`` owns the rules) and the output."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis import selectors as crisis_selectors
from crisis.models import Incident
from crisis.serializers import StrictCharField, StrictInputMixin, UserSummarySerializer
from teams.models import User

from . import selectors
from .inquiry_choices import InquiryStatus
from .inquiry_services import (
    MAX_CONTACT_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_OUTLET_LENGTH,
    MAX_QUESTION_LENGTH,
)
from .models import MediaInquiry, Statement
from .serializers import StrictIntegerField


@extend_schema_field({"type": "string",
                     "description": "One of: " + ", ".join(InquiryStatus.values) + "."})
class InquiryStatusField(serializers.ChoiceField):
    """The status, described in words in the schema: an enum named after the field would
    collide with the other ``status`` enums (until settings name it in
    ``ENUM_NAME_OVERRIDES``)."""

    def __init__(self, **kwargs):
        super().__init__(choices=InquiryStatus.choices, **kwargs)


def _id_field(**kwargs) -> StrictIntegerField:
    return StrictIntegerField(min_value=1, max_value=2**63 - 1, **kwargs)


class _InquiryFields(StrictInputMixin, serializers.Serializer):
    """What a person types about an inquiry, and whom it is given to. Needs ``request`` in
    its context."""

    outlet = StrictCharField(max_length=MAX_OUTLET_LENGTH)
    journalist = StrictCharField(max_length=MAX_OUTLET_LENGTH, required=False, allow_blank=True)
    contact = StrictCharField(max_length=MAX_CONTACT_LENGTH, required=False, allow_blank=True,
                              help_text="Email or phone, free text.")
    question = StrictCharField(max_length=MAX_QUESTION_LENGTH)
    received_at = serializers.DateTimeField(required=False,
                                            help_text="When it came in; now if left out.")
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    assignee = _id_field(required=False, allow_null=True,
                         help_text="Id of the person who answers it; they must be able to "
                                   "view the incident.")

    def validate_assignee(self, value: int | None) -> User | None:
        if value is None:
            return None
        person = User.objects.filter(pk=value, is_active=True).first()
        if person is None:
            raise serializers.ValidationError(_("No person with this id."))
        return person


class InquiryCreateSerializer(_InquiryFields):
    incident = _id_field(help_text="The incident's id.")

    def validate_incident(self, value: int) -> Incident:
        try:
            return crisis_selectors.incident_get(user=self.context["request"].user, pk=value)
        except Http404:
            raise serializers.ValidationError(_("No incident with this id.")) from None


class InquiryEditSerializer(_InquiryFields):
    """Any subset; what is not sent is kept. Use with ``partial=True``."""

    status = InquiryStatusField()
    answer_statement = _id_field(
        required=False, allow_null=True,
        help_text="Id of the approved or published statement of the same incident it was "
                  "answered with; null to clear.")
    answer_note = StrictCharField(max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True)
    received_at = serializers.DateTimeField(required=False)

    def validate_answer_statement(self, value: int | None) -> Statement | None:
        if value is None:
            return None
        try:
            return selectors.statement_get(user=self.context["request"].user, pk=value)
        except Http404:
            raise serializers.ValidationError(_("No statement with this id.")) from None


class MediaInquirySerializer(serializers.ModelSerializer):
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    created_by = UserSummarySerializer(read_only=True)
    status = InquiryStatusField(read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True,
                                       help_text="The deadline passed and it is neither "
                                                 "answered nor declined.")
    answer_statement_title = serializers.CharField(source="answer_statement.title",
                                                   read_only=True, allow_null=True,
                                                   default=None)

    class Meta:
        model = MediaInquiry
        fields = ["id", "incident", "incident_reference", "outlet", "journalist", "contact",
                  "question", "received_at", "deadline", "assignee", "status", "overdue",
                  "answer_statement", "answer_statement_title", "answer_note", "created_by",
                  "created_at", "updated_at"]
        read_only_fields = fields
