"""The statements API (``/api/statements/…``, ``/api/approval-queue/``,
``/api/publishing-freezes/``): thin viewsets over ``comms.services`` and
``comms.selectors``. Each write validates its body with its own serializer, calls one
service and answers with the statement as it now stands; a statement of an incident the
user may not view answers 404 on every route (``selectors.statement_get``)."""

from django.db.models import F, Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import api
from core.api import Pagination
from crisis.api import require
from crisis.permissions import IncidentApiPermission
from crisis.selectors import visible_to

from . import (
    delivery_api,
    delivery_services,
    diff,
    inquiry_api,
    schedule,
    schedule_api,
    selectors,
    services,
    stakeholder_api,
    stakeholder_map_api,
)
from .choices import Decision
from .delivery_serializers import PublishInputSerializer
from .filters import PublishingFreezeFilter, StatementFilter
from .models import (
    ApprovalDecision,
    PublishingFreeze,
    ReviewStage,
    Statement,
    StatementComment,
    StatementVersion,
)
from .permissions import can_comment, can_draft, can_publish
from .schedule_serializers import ScheduledPublicationSerializer
from .serializers import (
    ApprovalQueueItemSerializer,
    CommentCreateSerializer,
    DecisionInputSerializer,
    DiffQuerySerializer,
    EmptySerializer,
    FreezeCreateSerializer,
    PublishingFreezeSerializer,
    StatementCommentSerializer,
    StatementConflictSerializer,
    StatementCreateSerializer,
    StatementEditSerializer,
    StatementSerializer,
    StatementVersionSerializer,
    VersionDiffSerializer,
    WithdrawSerializer,
    current_version_of,
)

ID = r"\d+"


def may_not_draft() -> str:
    """The refusal of a write that takes the draft right (in the reader's language)."""
    return _("You may not draft statements in this incident.")


def error_responses(*codes: int) -> dict:
    """The error answers a write documents besides its success."""
    return api.error_responses(*codes, conflict_serializer=StatementConflictSerializer,
                               not_found="No such statement, or you may not view its incident.")


def with_details(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    """``statements`` joined with what ``StatementSerializer`` shows (the current version
    and the current round's stages and decisions): four queries more, whatever the count."""
    return statements.select_related("published_by").prefetch_related(
        Prefetch("versions", to_attr="current_versions",
                 queryset=StatementVersion.objects.filter(
                     number=F("statement__current_version")).select_related("author")),
        Prefetch("review_stages", to_attr="round_stages",
                 queryset=ReviewStage.objects.filter(round=F("statement__review_round"))
                 .order_by("position")),
        Prefetch("decisions", to_attr="round_decisions",
                 queryset=ApprovalDecision.objects.filter(
                     stage__round=F("statement__review_round"))
                 .select_related("stage", "decider").order_by("created_at", "pk")),
    )


def _decision_schema(summary: str, description: str):
    return extend_schema(
        summary=summary, description=description, request=DecisionInputSerializer,
        responses={200: StatementSerializer, **error_responses(400, 403, 404, 409)})


VERSION_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True,
                     description="The older version's number."),
    OpenApiParameter("to", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True,
                     description="The newer version's number."),
]


class StatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Statements of the incidents the signed-in user may view, newest first. The text
    changes only by PATCH (each a new version, voiding earlier decisions); everything else
    through its action. Nothing is ever deleted."""

    serializer_class = StatementSerializer
    permission_classes = [IncidentApiPermission]
    filterset_class = StatementFilter
    ordering_fields = ["created_at", "updated_at"]
    lookup_value_regex = ID

    input_serializers = {"create": StatementCreateSerializer,
                         "partial_update": StatementEditSerializer,
                         "submit": EmptySerializer, "approve": DecisionInputSerializer,
                         "reject": DecisionInputSerializer,
                         "request_changes": DecisionInputSerializer,
                         "withdraw": WithdrawSerializer, "publish": EmptySerializer,
                         "comments": CommentCreateSerializer}

    def get_serializer_class(self):
        """A write's own input (what the browsable API's form offers); else the output."""
        return self.input_serializers.get(self.action, StatementSerializer)

    def offers_form(self, request) -> bool:
        """The browsable API's forms on one statement are for whoever may send them."""
        if "pk" not in self.kwargs:
            return True
        try:
            statement = self._statement()
        except Http404:
            return False
        if self.action == "publish":
            return can_publish(request.user, statement.incident)
        if self.action in ("retrieve", "partial_update", "submit", "withdraw"):
            return can_draft(request.user, statement.incident)
        if self.action == "comments":
            return can_comment(request.user, statement)
        return True  # a decision: the service says who may decide which stage

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Statement.objects.none()
        return with_details(selectors.statement_list(user=self.request.user)).order_by(
            "-created_at", "-pk")

    def _statement(self) -> Statement:
        return selectors.statement_get(user=self.request.user, pk=self.kwargs["pk"])

    def _answer(self, statement: Statement, code: int = status.HTTP_200_OK) -> Response:
        """The statement as it now stands, joined for its representation."""
        fresh = self.get_queryset().filter(pk=statement.pk).first() or statement
        return Response(StatementSerializer(fresh, context=self.get_serializer_context()).data,
                        status=code)

    def _input(self, serializer_class, **kwargs):
        serializer = serializer_class(data=self.request.data,
                                      context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer

    def retrieve(self, request, *args, **kwargs):
        statement = self.get_queryset().filter(pk=self._statement().pk).first()
        return Response(StatementSerializer(statement,
                                            context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Draft a statement (its version 1)",
        description="In an incident you may draft in. The 5W1H fields may stay empty in a "
                    "draft; submitting needs them (all but `why`) and the body. A correction "
                    "or retraction names the published statement it `corrects`.",
        request=StatementCreateSerializer,
        responses={201: StatementSerializer, **error_responses(400, 403, 409)},
    )
    def create(self, request, *args, **kwargs):
        data = self._input(StatementCreateSerializer).validated_data
        if data.get("corrects") is None:
            data.pop("corrects", None)
        statement = services.statement_create(actor=request.user, **data)
        return self._answer(statement, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit the text: a new version",
        description="Send any of the title and the text's fields; what you leave out is kept "
                    "from the current version. Every edit saves a new version, which voids "
                    "every decision on earlier ones: a statement in review or approved goes "
                    "back to review from the first stage. A published, rejected or withdrawn "
                    "statement answers 409; the same text again answers 400.",
        request=StatementEditSerializer,
        responses={200: StatementSerializer, **error_responses(400, 403, 404, 409)},
    )
    def partial_update(self, request, *args, **kwargs):
        statement = self._statement()
        require(can_draft(request.user, statement.incident), may_not_draft())
        serializer = self._input(StatementEditSerializer, partial=True)
        services.statement_edit(actor=request.user, statement=statement,
                                **serializer.edit_arguments(current_version_of(statement)))
        return self._answer(statement)

    @extend_schema(
        summary="Every version of the text, oldest first",
        responses={200: StatementVersionSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def versions(self, request, pk=None):
        statement = self._statement()
        versions = (StatementVersion.objects.filter(statement=statement)
                    .select_related("author").order_by("number"))
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(StatementVersionSerializer(page, many=True).data)

    @extend_schema(
        summary="What changed between two versions",
        description="Field by field: words in Latin text, characters in Chinese. Both "
                    "`from` and `to` are required version numbers of this statement; a "
                    "number that is not one of its versions answers 400 naming the parameter.",
        parameters=VERSION_PARAMETERS,
        responses={200: VersionDiffSerializer,
                   400: OpenApiResponse(description="`from` or `to` is missing, not a "
                                                    "number, or no version of this "
                                                    "statement; the body names it.")},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def diff(self, request, pk=None):
        statement = self._statement()
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        numbers = {name: query.validated_data[name] for name in ("from", "to")}
        found = {v.number: v for v in StatementVersion.objects.filter(
            statement=statement, number__in=numbers.values()).select_related("author")}
        missing = {name: [_("This statement has no version %(n)s.") % {"n": number}]
                   for name, number in numbers.items() if number not in found}
        if missing:
            raise serializers.ValidationError(missing)
        old, new = found[numbers["from"]], found[numbers["to"]]
        return Response(VersionDiffSerializer({
            "statement": statement.pk, "from_version": old, "to_version": new,
            "fields": [field.as_dict() for field in diff.version_diff(old, new)]}).data)

    @extend_schema(
        methods=["GET"], summary="The comments on the statement, oldest first",
        description="Each anchored to the version it is about.",
        responses={200: StatementCommentSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"], summary="Comment on a version",
        description="On the current version unless `version` names another. People named "
                    "with @username are told.",
        request=CommentCreateSerializer,
        responses={201: StatementCommentSerializer, **error_responses(400, 403, 404)},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def comments(self, request, pk=None):
        statement = self._statement()
        if request.method == "GET":
            comments = (StatementComment.objects.filter(statement=statement)
                        .select_related("author", "version").order_by("created_at", "pk"))
            page = self.paginate_queryset(comments)
            return self.get_paginated_response(StatementCommentSerializer(page, many=True).data)
        require(can_comment(request.user, statement),
                _("You may not comment on this statement."))
        data = self._input(CommentCreateSerializer).validated_data
        comment = services.comment_add(actor=request.user, statement=statement, **data)
        return Response(StatementCommentSerializer(comment).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send the draft for approval",
        description="Starts a review round with the stages its approval policy names now, "
                    "each with its SLA deadline. Needs the 5W1H frame (all but `why`) and "
                    "the body.",
        request=EmptySerializer,
        responses={200: StatementSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        statement = self._statement()
        require(can_draft(request.user, statement.incident), may_not_draft())
        self._input(EmptySerializer)
        return self._answer(services.statement_submit(actor=request.user,
                                                      statement=statement))

    def _decide(self, decision: Decision) -> Response:
        statement = self._statement()
        data = self._input(DecisionInputSerializer).validated_data
        services.statement_decide(actor=self.request.user, statement=statement,
                                  version=data["version"], decision=decision,
                                  comment=data.get("comment", ""))
        return self._answer(statement)

    @_decision_schema(
        "Approve a version",
        "`version` is the number of the version you approve; a version that is no longer "
        "current answers 409 with `current_version`. You may not approve what you wrote or "
        "edited (403). The last approval the review needs makes the statement approved.")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(Decision.APPROVE)

    @_decision_schema(
        "Reject a version (final)",
        "Ends the flow for good; `comment` (the reason) is required. `version` as for "
        "approve.")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(Decision.REJECT)

    @_decision_schema(
        "Ask for changes",
        "Sends the statement back to draft; `comment` (what to change) is required. "
        "`version` as for approve.")
    @action(detail=True, methods=["post"], url_path="request-changes",
            url_name="request-changes")
    def request_changes(self, request, pk=None):
        return self._decide(Decision.REQUEST_CHANGES)

    @extend_schema(
        summary="Withdraw the statement (final)",
        description="From draft, review or approved; it stays on record.",
        request=WithdrawSerializer,
        responses={200: StatementSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        statement = self._statement()
        require(can_draft(request.user, statement.incident), may_not_draft())
        data = self._input(WithdrawSerializer).validated_data
        return self._answer(services.statement_withdraw(actor=request.user, statement=statement,
                                                        reason=data.get("reason", "")))

    @extend_schema(
        summary="Publish the approved version",
        description="Only the approved current version, by someone holding the publish "
                    "right on the incident, never while a publishing freeze applies (409 "
                    "with the freeze's reason). Publishing an already published statement "
                    "publishes nothing more and answers 200 with the statement as it is. "
                    "`groups` and `channels` choose the stakeholders it is delivered to "
                    "(see `/api/publications/` and `/api/deliveries/`); none: the public "
                    "status page only. With `publish_at` it is scheduled instead (202 with "
                    "the scheduled publication, see `/api/scheduled-publications/`): the same "
                    "rules are checked now but the freeze, and again at that time, when a "
                    "freeze makes it wait until it is lifted; one waiting schedule per "
                    "statement (409).",
        request=PublishInputSerializer,
        responses={200: StatementSerializer, 202: ScheduledPublicationSerializer,
                   **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        statement = self._statement()
        require(can_publish(request.user, statement.incident),
                _("You may not publish statements in this incident."))
        data = self._input(PublishInputSerializer).validated_data
        audience = {"groups": data.get("groups", []), "channels": data.get("channels", [])}
        if "publish_at" in data:
            scheduled = schedule.publication_schedule(
                actor=request.user, statement=statement, publish_at=data["publish_at"],
                **audience)
            found = schedule.schedule_get(user=request.user, pk=scheduled.pk)
            return Response(ScheduledPublicationSerializer(found).data,
                            status=status.HTTP_202_ACCEPTED)
        delivery_services.statement_publish_to(actor=request.user, statement=statement,
                                               **audience)
        return self._answer(statement)


class QueuePagination(Pagination):
    """Each item carries its whole text: 20 a page, as the queue page shows them."""

    page_size = 20


class ApprovalQueueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What waits for the signed-in user's decision ("waiting for me"): overdue first, then
    by due time. Each item has the exact version under review and, when the reader saw an
    earlier one, the link to the diff from it."""

    serializer_class = ApprovalQueueItemSerializer
    permission_classes = [IncidentApiPermission]
    filter_backends = []
    pagination_class = QueuePagination

    def get_queryset(self):
        return Statement.objects.none()  # the queue is a list of items, not a queryset

    def list(self, request, *args, **kwargs):
        page = selectors.with_versions(
            self.paginate_queryset(selectors.queue_items(user=request.user)))
        prefetch_related_objects([item.version for item in page], "author")
        return self.get_paginated_response(
            ApprovalQueueItemSerializer(page, many=True,
                                        context=self.get_serializer_context()).data)


class PublishingFreezeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                              mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Publishing freezes ("kill switch"): the organisation-wide ones and those of the
    incidents the user may view, active first, then newest."""

    serializer_class = PublishingFreezeSerializer
    permission_classes = [IncidentApiPermission]
    filterset_class = PublishingFreezeFilter
    ordering_fields = ["created_at", "lifted_at"]
    lookup_value_regex = ID
    input_serializers = {"create": FreezeCreateSerializer, "lift": EmptySerializer}

    def get_serializer_class(self):
        return self.input_serializers.get(self.action, PublishingFreezeSerializer)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PublishingFreeze.objects.none()
        return (visible_to(PublishingFreeze.objects.all(), user=self.request.user)
                .select_related("created_by", "lifted_by")
                .order_by(F("lifted_at").desc(nulls_first=True), "-created_at", "-pk"))

    @extend_schema(
        summary="Freeze publishing",
        description="With a reason, for one incident or (without `incident`) everywhere; "
                    "publishing is refused with the reason until the freeze is lifted. "
                    "Everywhere takes the freeze capability (crisis managers); one incident "
                    "also its lead. A second freeze of the same scope answers 409.",
        request=FreezeCreateSerializer,
        responses={201: PublishingFreezeSerializer, **error_responses(400, 403, 409)},
    )
    def create(self, request, *args, **kwargs):
        serializer = FreezeCreateSerializer(data=request.data,
                                            context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        freeze = services.freeze_create(actor=request.user, **serializer.validated_data)
        return Response(PublishingFreezeSerializer(freeze).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Lift the freeze",
        description="Publishing may go on (unless another freeze applies). A freeze already "
                    "lifted answers 409.",
        request=EmptySerializer,
        responses={200: PublishingFreezeSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        freeze = self.get_object()
        serializer = EmptySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        freeze = services.freeze_lift(actor=request.user, freeze=freeze)
        return Response(PublishingFreezeSerializer(self.get_queryset().get(pk=freeze.pk)).data)


# (prefix, viewset, basename) for config.urls' router.
api_routes: list = [
    ("statements", StatementViewSet, "statement"),
    ("approval-queue", ApprovalQueueViewSet, "approval-queue"),
    ("publishing-freezes", PublishingFreezeViewSet, "publishing-freeze"),
]
api_routes += inquiry_api.api_routes
api_routes += stakeholder_api.api_routes
api_routes += stakeholder_map_api.api_routes
api_routes += delivery_api.api_routes
api_routes += schedule_api.api_routes
