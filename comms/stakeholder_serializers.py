"""API shapes of stakeholder groups and contacts: the outputs, one input serializer per
write (types only; ``comms.stakeholder_services`` owns the rules) and the import's body
and answer."""


from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ColumnMappingField
from crisis.serializers import RequiredBooleanField, StrictCharField, StrictInputMixin

from .contact_import import ENCODING_CHOICES, FIELDS
from .models import Contact, StakeholderGroup
from .stakeholder_choices import ADDRESS_CHANNELS, Channel, contact_addresses
from .stakeholder_services import (
    MAX_ADDRESS_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_ORGANISATION_LENGTH,
)


class StakeholderGroupSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True,
                                 help_text="In the reader's language.")
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), read_only=True,
        help_text="The default channel order: " + ", ".join(Channel.values) + ".")

    class Meta:
        model = StakeholderGroup
        fields = ["id", "code", "name", "kind", "channels", "acknowledgement_required"]
        read_only_fields = fields


class GroupSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = StakeholderGroup
        fields = ["id", "code", "name"]
        read_only_fields = fields


@extend_schema_field({"type": "object",
                      "additionalProperties": {"type": "string"},
                      "description": "Address per channel: " + ", ".join(ADDRESS_CHANNELS)
                                     + " (email address, https URL, E.164 phone number)."})
class AddressesField(serializers.JSONField):
    def to_representation(self, value):
        return super().to_representation(contact_addresses(value))


class ContactSerializer(serializers.ModelSerializer):
    groups = GroupSummarySerializer(many=True, read_only=True)
    addresses = AddressesField(read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)
    email = serializers.CharField(read_only=True, help_text="Blank when unknown.")

    class Meta:
        model = Contact
        fields = ["id", "name", "organisation", "email", "phone", "language", "addresses",
                  "groups", "active", "created_at", "updated_at"]
        read_only_fields = fields


class ContactInputSerializer(StrictInputMixin, serializers.Serializer):
    """Create with ``name`` at least; PATCH any subset (``partial=True``)."""

    name = StrictCharField(max_length=MAX_NAME_LENGTH)
    organisation = StrictCharField(max_length=MAX_ORGANISATION_LENGTH, required=False,
                                   allow_blank=True)
    email = StrictCharField(max_length=MAX_EMAIL_LENGTH, required=False, allow_blank=True,
                            help_text="Unique, whatever its case.")
    phone = StrictCharField(max_length=64, required=False, allow_blank=True,
                            help_text="With its country code; stored as E.164.")
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    addresses = AddressesField(required=False)
    groups = serializers.ListField(child=serializers.IntegerField(min_value=1,
                                                                  max_value=2**63 - 1),
                                   required=False, max_length=100,
                                   help_text="Ids of stakeholder groups (all of them: the "
                                             "list replaces the contact's groups).")
    active = RequiredBooleanField(required=False, help_text="false deactivates it.")

    def validate_addresses(self, value):
        if not isinstance(value, dict) or not all(
                isinstance(v, str) and len(v) <= MAX_ADDRESS_LENGTH for v in value.values()):
            raise serializers.ValidationError(_("An object of channel: address."))
        return value

    def to_service(self) -> dict:
        data = dict(self.validated_data)
        if "active" in data:
            data["is_active"] = data.pop("active")
        return data


@extend_schema_field({"type": "string",
                      "description": "JSON object {field: column header}; fields: "
                                     + ", ".join(FIELDS) + ". Left out: guessed from the "
                                       "headers (English and Chinese)."})
class MappingField(ColumnMappingField):
    """The contacts import's mapping, documented with the fields it takes."""


class ContactImportSerializer(StrictInputMixin, serializers.Serializer):
    file = serializers.FileField(help_text="The CSV file: UTF-8 (with or without BOM), "
                                           "GB18030 or Big5; at most 2 MB, 20,000 rows.")
    mapping = MappingField(required=False)
    encoding = serializers.ChoiceField(choices=ENCODING_CHOICES, required=False,
                                       default="auto")


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="As a spreadsheet numbers it: the headers are "
                                             "row 1.")
    field = serializers.CharField()
    message = serializers.CharField()


class ContactImportResultSerializer(serializers.Serializer):
    encoding = serializers.CharField(help_text="The encoding the file was read in.")
    mapping = serializers.DictField(child=serializers.CharField(),
                                    help_text="{field: column header} as applied.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)
