"""API shapes of statements: one input serializer per write (types and values only; the
services own the rules) and output serializers that read only what the view joined
(``comms.api.with_details``), so a list costs the same few queries at any length."""

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis import selectors as crisis_selectors
from crisis.choices import StakeholderKind
from crisis.models import Incident
from crisis.serializers import StrictCharField, StrictInputMixin, UserSummarySerializer

from . import policy, selectors
from .choices import (
    CONTENT_FIELDS,
    FRAME_FIELDS,
    LANGUAGE_CHOICES,
    CorrectionKind,
    Decision,
    StatementKind,
    StatementStatus,
    VariantChannel,
)
from .models import (
    MAX_VARIANT_LENGTH,
    ApprovalDecision,
    PublishingFreeze,
    ReviewStage,
    Statement,
    StatementComment,
    StatementVersion,
)
from .services import MAX_BODY_LENGTH, MAX_COMMENT_LENGTH, MAX_FIELD_LENGTH, MAX_TITLE_LENGTH

MAX_AUDIENCE = len(StakeholderKind.values)


# --- building blocks -----------------------------------------------------------------------

class StrictIntegerField(serializers.IntegerField):
    """A JSON number only: ``"3"``, ``true`` or ``3.5`` where an integer belongs is an
    error naming the field, not coerced."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def _version_number_field(**kwargs) -> StrictIntegerField:
    return StrictIntegerField(min_value=1, max_value=2**31 - 1, **kwargs)


def _frame_field() -> StrictCharField:
    return StrictCharField(required=False, allow_blank=True, max_length=MAX_FIELD_LENGTH)


def _body_field(**kwargs) -> StrictCharField:
    return StrictCharField(allow_blank=True, max_length=MAX_BODY_LENGTH, **kwargs)


def _comment_field(*, required: bool = False) -> StrictCharField:
    return StrictCharField(required=required, allow_blank=not required,
                           max_length=MAX_COMMENT_LENGTH)


def _variants_field() -> serializers.DictField:
    return serializers.DictField(
        child=StrictCharField(allow_blank=True, max_length=MAX_VARIANT_LENGTH), required=False,
        help_text="Channel variants approved with the text, {channel: text}; channels: "
                  + ", ".join(f"{c.value} (at most {c.limit} characters)"
                              for c in VariantChannel) + ".")


def _visible_incident(request, value: int) -> Incident:
    try:
        return crisis_selectors.incident_get(user=request.user, pk=value)
    except Http404:
        raise serializers.ValidationError(_("No incident with this id.")) from None


def _link(request, name: str, **kwargs) -> str:
    path = reverse(f"api:{name}", kwargs=kwargs)
    return request.build_absolute_uri(path) if request is not None else path


# --- output --------------------------------------------------------------------------------

class StatementContentSerializer(serializers.Serializer):
    """The text of one version: the 5W1H frame, the Markdown body and channel variants."""

    what_happened = serializers.CharField()
    when = serializers.CharField()
    where = serializers.CharField()
    who_is_affected = serializers.CharField()
    why = serializers.CharField()
    what_we_do = serializers.CharField()
    body = serializers.CharField()
    variants = serializers.DictField(child=serializers.CharField())


class StatementVersionSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)
    content = serializers.SerializerMethodField()

    @extend_schema_field(StatementContentSerializer)
    def get_content(self, version: StatementVersion) -> dict:
        return version.content()

    class Meta:
        model = StatementVersion
        fields = ["number", "author", "created_at", "content", "content_hash"]
        read_only_fields = fields


class VersionRefSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    content_hash = serializers.CharField()


class StageProgressSerializer(serializers.Serializer):
    """One review stage of the current round, and how far it got on the current version."""

    position = serializers.IntegerField()
    name = serializers.CharField(help_text="In the reader's language.")
    roles = serializers.ListField(child=serializers.CharField(),
                                  help_text="Incident role codes that decide it.")
    capability = serializers.CharField(
        help_text="The group that decides when nobody but the authors holds the roles.")
    parallel_with_previous = serializers.BooleanField()
    approvals_needed = serializers.IntegerField()
    approvals_given = serializers.IntegerField(help_text="On the current version.")
    due_at = serializers.DateTimeField(allow_null=True)
    open = serializers.BooleanField(help_text="Waiting for decisions now.")
    overdue = serializers.BooleanField(help_text="Open and past its SLA deadline.")
    done = serializers.BooleanField(help_text="Has every approval it needs.")


class DecisionSerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField()
    stage = serializers.SerializerMethodField()
    decider = UserSummarySerializer(read_only=True)
    counts = serializers.SerializerMethodField(
        help_text="Made on the current version; an edit voids every earlier decision.")

    @extend_schema_field(VersionRefSerializer)
    def get_version(self, decision: ApprovalDecision) -> dict:
        return {"number": decision.version_number, "content_hash": decision.version_hash}

    def get_stage(self, decision: ApprovalDecision) -> str:
        return str(decision.stage)

    def get_counts(self, decision: ApprovalDecision) -> bool:
        return decision.version_number == decision.statement.current_version

    class Meta:
        model = ApprovalDecision
        fields = ["id", "version", "stage", "decider", "decision", "comment", "as_fallback",
                  "counts", "created_at"]
        read_only_fields = fields


def review_stages(statement: Statement) -> list[ReviewStage]:
    """The current round's stages (joined by ``with_details``, else read)."""
    stages = getattr(statement, "round_stages", None)
    if stages is None:
        stages = list(statement.review_stages.filter(round=statement.review_round)
                      .order_by("position"))
    return stages


def round_decisions(statement: Statement) -> list[ApprovalDecision]:
    """Every decision of the current round, oldest first (joined, else read)."""
    decisions = getattr(statement, "round_decisions", None)
    if decisions is None:
        decisions = list(statement.decisions.filter(stage__round=statement.review_round)
                         .select_related("stage", "decider").order_by("created_at", "pk"))
    for decision in decisions:
        decision.statement = statement
    return decisions


def progress_of(statement: Statement) -> policy.Progress:
    """``policy.review_progress`` from the joined rows (no query when they are joined)."""
    cached = statement.__dict__.get("_progress")
    if cached is None:
        cached = policy.Progress(stages=review_stages(statement) if statement.review_round
                                 else [])
        for decision in round_decisions(statement) if statement.review_round else []:
            if decision.version_number != statement.current_version:
                continue
            cached.decided.setdefault(decision.stage_id, set()).add(decision.decider_id)
            if decision.decision == Decision.APPROVE:
                cached.approvals.setdefault(decision.stage_id, set()).add(decision.decider_id)
        statement.__dict__["_progress"] = cached
    return cached


def stage_rows(statement: Statement) -> list[dict]:
    progress = progress_of(statement)
    in_review = statement.status == StatementStatus.IN_REVIEW
    open_ids = {stage.pk for stage in progress.open_stages} if in_review else set()
    now = timezone.now()
    return [{"position": stage.position, "name": str(stage), "roles": stage.role_codes,
             "capability": stage.capability,
             "parallel_with_previous": stage.parallel_with_previous,
             "approvals_needed": stage.approvals_needed,
             "approvals_given": len(progress.approvals.get(stage.pk, ())),
             "due_at": stage.due_at, "open": stage.pk in open_ids,
             "overdue": stage.pk in open_ids and stage.due_at is not None and stage.due_at < now,
             "done": progress.is_complete(stage)}
            for stage in progress.stages]


def current_version_of(statement: Statement) -> StatementVersion:
    """The current version (joined by ``with_details``, else read)."""
    joined = getattr(statement, "current_versions", None)
    if joined is not None:
        for version in joined:
            if version.number == statement.current_version:
                return version
    return StatementVersion.objects.select_related("author").get(
        statement=statement, number=statement.current_version)


class StatementLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    versions = serializers.URLField()
    comments = serializers.URLField()
    diff = serializers.URLField(allow_null=True,
                                help_text="The previous version against the current one; "
                                          "null for version 1.")


class StatementSerializer(serializers.ModelSerializer):
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    published_by = UserSummarySerializer(read_only=True, allow_null=True)
    audience = serializers.ListField(
        child=serializers.ChoiceField(choices=StakeholderKind.choices), read_only=True)
    current_version = serializers.IntegerField(read_only=True,
                                               help_text="The current version's number.")
    author = serializers.SerializerMethodField(help_text="Who saved the current version.")
    content = serializers.SerializerMethodField(help_text="The current version's text.")
    content_hash = serializers.SerializerMethodField(
        help_text="SHA-256 of the current version's content: what a decision binds to.")
    stages = serializers.SerializerMethodField(
        help_text="The current review round's stages, in order (empty before submission).")
    decisions = serializers.SerializerMethodField(
        help_text="The current review round's decisions, oldest first.")
    corrects_as = serializers.ChoiceField(choices=CorrectionKind.choices, allow_blank=True,
                                          read_only=True)
    urls = serializers.SerializerMethodField()

    @extend_schema_field(UserSummarySerializer)
    def get_author(self, statement: Statement) -> dict:
        return UserSummarySerializer(current_version_of(statement).author).data

    @extend_schema_field(StatementContentSerializer)
    def get_content(self, statement: Statement) -> dict:
        return current_version_of(statement).content()

    def get_content_hash(self, statement: Statement) -> str:
        return current_version_of(statement).content_hash

    @extend_schema_field(StageProgressSerializer(many=True))
    def get_stages(self, statement: Statement) -> list[dict]:
        return StageProgressSerializer(stage_rows(statement), many=True).data

    @extend_schema_field(DecisionSerializer(many=True))
    def get_decisions(self, statement: Statement) -> list[dict]:
        if not statement.review_round:
            return []
        return DecisionSerializer(round_decisions(statement), many=True).data

    @extend_schema_field(StatementLinksSerializer)
    def get_urls(self, statement: Statement) -> dict:
        request = self.context.get("request")
        pk = statement.pk
        diff = None
        if statement.current_version > 1:
            diff = (_link(request, "statement-diff", pk=pk)
                    + f"?from={statement.current_version - 1}&to={statement.current_version}")
        return {"self": _link(request, "statement-detail", pk=pk),
                "versions": _link(request, "statement-versions", pk=pk),
                "comments": _link(request, "statement-comments", pk=pk),
                "diff": diff}

    class Meta:
        model = Statement
        fields = ["id", "incident", "incident_reference", "kind", "language", "title",
                  "audience", "status", "current_version", "author", "content",
                  "content_hash", "stages", "decisions", "review_round", "review_started_at",
                  "rejection_reason", "published_version", "published_by", "published_at",
                  "corrects", "corrects_as", "created_by", "created_at", "updated_at", "urls"]
        read_only_fields = fields


class StatementCommentSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True,
                                       help_text="The version it is anchored to.")

    class Meta:
        model = StatementComment
        fields = ["id", "statement", "version", "author", "body", "created_at"]
        read_only_fields = fields


class SegmentSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete", "replace"])
    old = serializers.CharField()
    new = serializers.CharField()


class FieldDiffSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="what_happened … body, or variants.<channel>.")
    label = serializers.CharField()
    changed = serializers.BooleanField()
    segments = SegmentSerializer(many=True)


class VersionSummarySerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = StatementVersion
        fields = ["number", "author", "created_at", "content_hash"]
        read_only_fields = fields


class VersionDiffSerializer(serializers.Serializer):
    """Field by field, word by word (character by character in Chinese text). Takes
    ``{"statement", "from_version", "to_version", "fields"}``."""

    def get_fields(self):
        return {"statement": serializers.IntegerField(),
                "from": VersionSummarySerializer(source="from_version"),
                "to": VersionSummarySerializer(source="to_version"),
                "fields": FieldDiffSerializer(many=True)}


class StatementSummarySerializer(serializers.ModelSerializer):
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    incident_title = serializers.CharField(source="incident.title", read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, statement: Statement) -> str:
        return _link(self.context.get("request"), "statement-detail", pk=statement.pk)

    class Meta:
        model = Statement
        fields = ["id", "url", "incident", "incident_reference", "incident_title", "kind",
                  "language", "title", "status", "current_version"]
        read_only_fields = fields


class QueueStageSerializer(serializers.Serializer):
    """An open stage the reader may decide now."""

    position = serializers.IntegerField()
    name = serializers.CharField(source="__str__", help_text="In the reader's language.")
    roles = serializers.ListField(source="role_codes", child=serializers.CharField())
    capability = serializers.CharField()
    approvals_needed = serializers.IntegerField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, stage: ReviewStage) -> bool:
        return stage.due_at is not None and stage.due_at < timezone.now()


class ApprovalQueueItemSerializer(serializers.Serializer):
    """A statement waiting for the reader's decision (``comms.selectors.QueueItem``): the
    exact version under review, the stages the reader decides, and the diff against the
    version they last saw."""

    statement = StatementSummarySerializer()
    version = StatementVersionSerializer(help_text="The version under review (the current "
                                                   "one): decide on its number.")
    stages = QueueStageSerializer(many=True)
    as_fallback = serializers.BooleanField(
        help_text="The reader decides by capability: nobody but the authors holds the "
                  "stage's role.")
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    last_seen = serializers.IntegerField(
        allow_null=True, help_text="The version the reader last decided or commented on; "
                                   "null when they have not seen this statement yet.")
    diff_url = serializers.SerializerMethodField(
        help_text="The diff from ``last_seen`` to the version under review; null when there "
                  "is nothing earlier to compare.")

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_diff_url(self, item) -> str | None:
        if item.last_seen is None or item.last_seen == item.version.number:
            return None
        return (_link(self.context.get("request"), "statement-diff", pk=item.statement.pk)
                + f"?from={item.last_seen}&to={item.version.number}")


class PublishingFreezeSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True)
    lifted_by = UserSummarySerializer(read_only=True, allow_null=True)
    organisation_wide = serializers.SerializerMethodField()
    active = serializers.BooleanField(source="is_active", read_only=True)

    def get_organisation_wide(self, freeze: PublishingFreeze) -> bool:
        return freeze.incident_id is None

    class Meta:
        model = PublishingFreeze
        fields = ["id", "incident", "organisation_wide", "reason", "active", "created_by",
                  "created_at", "lifted_by", "lifted_at"]
        read_only_fields = fields


# --- input ---------------------------------------------------------------------------------

class StatementCreateSerializer(StrictInputMixin, serializers.Serializer):
    """Needs ``request`` in its context."""

    incident = StrictIntegerField(min_value=1, help_text="The incident's id.")
    kind = serializers.ChoiceField(choices=StatementKind.choices)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    title = StrictCharField(max_length=MAX_TITLE_LENGTH)
    body = _body_field(required=False, default="")
    what_happened = _frame_field()
    when = _frame_field()
    where = _frame_field()
    who_is_affected = _frame_field()
    why = _frame_field()
    what_we_do = _frame_field()
    audience = serializers.ListField(
        child=serializers.ChoiceField(choices=StakeholderKind.choices), required=False,
        max_length=MAX_AUDIENCE, help_text="Stakeholder kinds of the incident it is for.")
    variants = _variants_field()
    corrects = StrictIntegerField(
        min_value=1, required=False, allow_null=True,
        help_text="Id of the published statement this one corrects or retracts.")
    corrects_as = serializers.ChoiceField(choices=CorrectionKind.choices, required=False,
                                          allow_blank=True)

    def validate_incident(self, value: int) -> Incident:
        return _visible_incident(self.context["request"], value)

    def validate_corrects(self, value: int | None) -> Statement | None:
        if value is None:
            return None
        try:
            return selectors.statement_get(user=self.context["request"].user, pk=value)
        except Http404:
            raise serializers.ValidationError(_("No statement with this id.")) from None


class StatementEditSerializer(StrictInputMixin, serializers.Serializer):
    """Any subset of the text; what is not sent is kept from the current version. Use with
    ``partial=True``."""

    title = StrictCharField(max_length=MAX_TITLE_LENGTH)
    body = _body_field()
    what_happened = _frame_field()
    when = _frame_field()
    where = _frame_field()
    who_is_affected = _frame_field()
    why = _frame_field()
    what_we_do = _frame_field()
    variants = _variants_field()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs:
            raise serializers.ValidationError(
                _("Send at least one of: %(fields)s.") % {"fields": ", ".join(self.fields)})
        return attrs

    def to_representation(self, instance):
        """The text as it stands (what the browsable API's form starts from)."""
        if isinstance(instance, Statement):
            return {"title": instance.title, **current_version_of(instance).content()}
        return super().to_representation(instance)

    def edit_arguments(self, current: StatementVersion) -> dict:
        """The whole text for ``statement_edit``: the current version's, with what was sent
        put in."""
        data = dict(self.validated_data)
        content = {field: data.pop(field, value) for field, value in current.content().items()
                   if field in CONTENT_FIELDS}
        frame = {field: content.pop(field) for field in FRAME_FIELDS}
        # The fields not sent come from this version: the edit is refused if another was
        # saved meanwhile (it would silently undo that one's changes).
        return {**content, **frame, **data, "base_version": current.number}


class EmptySerializer(StrictInputMixin, serializers.Serializer):
    """No body (or an empty object)."""


class DecisionInputSerializer(StrictInputMixin, serializers.Serializer):
    version = _version_number_field(
        help_text="The number of the version you decide on: it must be the current one.")
    comment = _comment_field()


class WithdrawSerializer(StrictInputMixin, serializers.Serializer):
    reason = _comment_field()


class CommentCreateSerializer(StrictInputMixin, serializers.Serializer):
    body = StrictCharField(max_length=MAX_COMMENT_LENGTH,
                           help_text="Name people with @username to tell them.")
    version = _version_number_field(required=False,
                                    help_text="The version it is about; the current one if "
                                              "left out.")


class DiffQuerySerializer(serializers.Serializer):
    """``?from=&to=``: version numbers (``from`` is a keyword in Python, hence the names)."""

    def get_fields(self):
        return {"from": serializers.IntegerField(min_value=1, max_value=2**31 - 1),
                "to": serializers.IntegerField(min_value=1, max_value=2**31 - 1)}


class FreezeCreateSerializer(StrictInputMixin, serializers.Serializer):
    """Needs ``request`` in its context."""

    reason = StrictCharField(max_length=MAX_COMMENT_LENGTH,
                             help_text="Publishing is refused with it.")
    incident = StrictIntegerField(min_value=1, required=False, allow_null=True,
                                  help_text="The incident to freeze; leave out (or null) to "
                                            "freeze publishing everywhere.")

    def validate_incident(self, value: int | None) -> Incident | None:
        if value is None:
            return None
        return _visible_incident(self.context["request"], value)


# --- errors (documentation only) -----------------------------------------------------------

class StatementConflictSerializer(serializers.Serializer):
    """A 409: the request was valid but the statement's state does not allow it."""

    detail = serializers.CharField()
    current = serializers.CharField(help_text="The state the statement (or freeze) is in now.")
    allowed = serializers.ListField(child=serializers.CharField())
    current_version = serializers.IntegerField(
        required=False, help_text="A decision on a version that is no longer current: the "
                                  "current one.")
    freeze = serializers.IntegerField(required=False,
                                      help_text="Publishing refused: the freeze that applies.")
