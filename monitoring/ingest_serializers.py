"""API shapes of watches, mentions and the three ways in: outputs, one input serializer per
write (types only; ``monitoring.watches`` and ``monitoring.ingest`` own the rules), the
bulk body's item (for the schema: the bulk body is checked by ``monitoring.ingest``, not
here: a serializer per item is ten times too slow) and the answers."""


from rest_framework import serializers

from core.api import ColumnMappingField
from core.csv_import import ENCODING_CHOICES
from crisis.serializers import StrictCharField, StrictInputMixin
from teams.models import Department

from .choices import Platform
from .ingest import MAX_BATCH
from .mention_import import MAX_BYTES, MAX_ROWS
from .models import MENTION_TEXT_LIMIT, Mention, Watch


class WatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Watch
        fields = ["id", "name", "include_terms", "exclude_terms", "languages", "platforms",
                  "owner_team", "is_active", "created_at"]
        read_only_fields = fields


class WatchInputSerializer(StrictInputMixin, serializers.Serializer):
    name = StrictCharField(max_length=120)
    include_terms = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        help_text="Words, names, hashtags; English by whole word in any case, Chinese by "
                  "characters in either script.")
    exclude_terms = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False,
                                      help_text="en, zh, zh-Hant, zh-Hans…; empty: all.")
    platforms = serializers.ListField(child=serializers.CharField(), required=False,
                                      help_text="Of: " + ", ".join(Platform.values)
                                                + "; empty: all.")
    owner_team = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(),
                                                    allow_null=True, required=False)
    is_active = serializers.BooleanField(required=False)


class MentionSerializer(serializers.ModelSerializer):
    watches = serializers.SerializerMethodField(help_text="Ids of the watches it matched.")

    class Meta:
        model = Mention
        fields = ["id", "platform", "external_id", "author_handle", "author_followers",
                  "text", "url", "posted_at", "language", "likes", "shares", "comments",
                  "reach", "sentiment", "sentiment_label", "source", "watches",
                  "ingested_at", "updated_at"]
        read_only_fields = fields

    def get_watches(self, mention) -> list[int]:
        return sorted(match.watch_id for match in mention.matches.all())


class MentionItemSerializer(serializers.Serializer):
    """One item of the bulk body (documentation: ``monitoring.ingest`` checks it)."""

    platform = serializers.ChoiceField(choices=Platform.choices)
    external_id = serializers.CharField(max_length=200,
                                        help_text="Unique per platform: sent again, the "
                                                  "mention is updated.")
    text = serializers.CharField(max_length=MENTION_TEXT_LIMIT)
    posted_at = serializers.DateTimeField(help_text="ISO 8601 with its time zone; at most "
                                                    "5 minutes ahead of the server.")
    author_handle = serializers.CharField(max_length=200, required=False)
    author_followers = serializers.IntegerField(min_value=0, required=False)
    url = serializers.URLField(max_length=1000, required=False)
    language = serializers.CharField(max_length=16, required=False,
                                     help_text="Detected from the text when left out.")
    likes = serializers.IntegerField(min_value=0, required=False)
    shares = serializers.IntegerField(min_value=0, required=False)
    comments = serializers.IntegerField(min_value=0, required=False)


class ItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the array, from 0.")
    field = serializers.CharField()
    message = serializers.CharField()


class IngestResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    errors = ItemErrorSerializer(many=True)


class MentionImportSerializer(StrictInputMixin, serializers.Serializer):
    file = serializers.FileField(help_text=f"The CSV file: UTF-8 (with or without BOM), "
                                           f"GB18030 or Big5; at most "
                                           f"{MAX_BYTES // (1024 * 1024)} MB, "
                                           f"{MAX_ROWS:,} rows.")
    mapping = ColumnMappingField(required=False, help_text="{field: column header}; guessed "
                                                     "from the headers when left out.")
    encoding = serializers.ChoiceField(choices=ENCODING_CHOICES, required=False,
                                       default="auto")
    timezone = serializers.CharField(required=False, default="UTC", max_length=64,
                                     help_text="For times written without a zone.")
    platform = serializers.ChoiceField(choices=Platform.choices, required=False,
                                       allow_blank=True, default="",
                                       help_text="For rows without a platform.")
    preview = serializers.BooleanField(required=False, default=False,
                                       help_text="Only check the first rows; write nothing.")


class MentionRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="As a spreadsheet numbers it: the headers are "
                                             "row 1.")
    field = serializers.CharField()
    message = serializers.CharField()


class MentionPreviewRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    cells = serializers.DictField(child=serializers.CharField())
    errors = MentionRowErrorSerializer(many=True)


class MentionImportResultSerializer(serializers.Serializer):
    encoding = serializers.CharField(help_text="The encoding the file was read in.")
    mapping = serializers.DictField(child=serializers.CharField(),
                                    help_text="{field: column header} as applied.")
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()
    errors = MentionRowErrorSerializer(many=True)
    preview = MentionPreviewRowSerializer(many=True, required=False)


BULK_LIMIT_TEXT = f"A JSON array of at most {MAX_BATCH:,} mentions."
