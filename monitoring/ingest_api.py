"""``/api/watches/``, ``/api/mentions/`` and the three ways mentions come in:
``/api/mentions/bulk/`` (JSON), ``/api/mentions/import/`` (CSV) and
``/api/connectors/<slug>/webhook/`` (signed). Thin: the rules are ``monitoring.watches``,
``monitoring.ingest``, ``monitoring.mention_import`` and ``monitoring.connectors``.

The bulk body is parsed with ``json`` straight from the request's bytes and checked by
``monitoring.ingest`` (a DRF serializer per item would cost ten times the whole ingest)."""

import json

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from crisis.api import error_responses, require

from . import connectors, mention_import, mention_selectors, watches
from .choices import MentionSource
from .ingest import MAX_BATCH, BatchRefused, mentions_ingest
from .ingest_serializers import (
    IngestResultSerializer,
    MentionImportResultSerializer,
    MentionImportSerializer,
    MentionItemSerializer,
    MentionSerializer,
    WatchInputSerializer,
    WatchSerializer,
)
from .mention_filters import MentionFilter
from .permissions import can_view_mentions

INGEST_MENTION = "monitoring.ingest_mention"
IMPORT_MENTION = "monitoring.import_mention"


def can_ingest(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active
                and user.has_perm(INGEST_MENTION))


def can_import(user) -> bool:
    """The CSV import (page and API): a service account's ingest right, or the analysts'
    own right to import a file (``monitoring.import_mention``)."""
    return can_ingest(user) or bool(user and user.is_authenticated and user.is_active
                                     and user.has_perm(IMPORT_MENTION))


def _may_not_ingest() -> str:
    return _("Ingesting mentions takes the “Can ingest mentions” right (a service "
             "account's token).")


def _may_not_import() -> str:
    return _("Importing mentions takes the “Can import mentions from CSV files” right.")


# 5,000 mentions of up to 10,000 characters: Django's own limit for a body read at once
# (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB) would refuse ordinary batches without saying why.
MAX_BODY_BYTES = 64 * 1024 * 1024


def read_body(request) -> bytes:
    """The raw body, within ``MAX_BODY_BYTES`` (a 400 saying so beyond it)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise ParseError(_("The body is %(size)d MB; at most %(max)d MB at once.")
                         % {"size": length // (1024 * 1024),
                            "max": MAX_BODY_BYTES // (1024 * 1024)})
    return request._request.read(MAX_BODY_BYTES + 1)


def parse_json(body: bytes):
    """The body as JSON, or a 400 saying where it breaks."""
    if len(body) > MAX_BODY_BYTES:
        raise ParseError(_("The body is larger than %(max)d MB.")
                         % {"max": MAX_BODY_BYTES // (1024 * 1024)})
    try:
        return json.loads(body.decode("utf-8-sig"))
    except RecursionError:
        raise ParseError(_("The body is nested too deeply.")) from None
    except UnicodeDecodeError as error:
        raise ParseError(_("The body is not UTF-8 (byte %(position)d).")
                         % {"position": error.start + 1}) from None
    except json.JSONDecodeError as error:
        raise ParseError(_("The body is not valid JSON: %(error)s (line %(line)d, column "
                           "%(column)d).") % {"error": error.msg, "line": error.lineno,
                                              "column": error.colno}) from None
    except ValueError:  # a number of more than 4,300 digits (Python's int limit)
        raise ParseError(_("The body holds a number too long to read.")) from None


class WatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = WatchSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return mention_selectors.watch_list(user=self.request.user)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action in ("list", "retrieve"):
            require(watches.can_view_watches(request.user),
                    _("Watches are for monitoring analysts."))

    def offers_form(self, request) -> bool:
        """The browsable API's forms: adding for those who may add, changing for those who
        may change (an executive reads watches and is offered neither)."""
        if request.method == "POST":
            return watches.can_add_watches(request.user)
        return watches.can_change_watches(request.user)

    @extend_schema(summary="Add a watch", request=WatchInputSerializer,
                   responses={201: WatchSerializer, **error_responses(400, 403)})
    def create(self, request, *args, **kwargs):
        require(watches.can_add_watches(request.user), _("You may not add watches."))
        serializer = WatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        watch = watches.watch_create(actor=request.user, **serializer.validated_data)
        return Response(WatchSerializer(watch).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a watch", description="Send any of the fields.",
                   request=WatchInputSerializer,
                   responses={200: WatchSerializer, **error_responses(400, 403, 404)})
    def partial_update(self, request, *args, **kwargs):
        require(watches.can_change_watches(request.user), _("You may not change watches."))
        watch = get_object_or_404(mention_selectors.watch_list(user=request.user),
                                  pk=kwargs["pk"])
        serializer = WatchInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        watch = watches.watch_update(actor=request.user, watch=watch,
                                     **serializer.validated_data)
        return Response(WatchSerializer(watch).data)


class MentionPagination(CursorPagination):
    ordering = ("-posted_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class MentionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    serializer_class = MentionSerializer
    pagination_class = MentionPagination
    filterset_class = MentionFilter
    ordering_fields: list = []

    def get_queryset(self):
        return mention_selectors.mention_list(user=self.request.user)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action in ("list", "retrieve"):
            require(can_view_mentions(request.user), _("Mentions are for monitoring analysts."))

    def offers_form(self, request) -> bool:
        """The browsable API's forms are for those who may send them (bulk: ingest;
        import: ingest or import)."""
        return can_import(request.user) if self.action == "import_file" \
            else can_ingest(request.user)

    @extend_schema(
        summary="Ingest up to 5,000 mentions",
        description=f"A JSON array of at most {MAX_BATCH:,} mentions. Each is checked on its "
                    "own: a bad one is listed in `errors` by its index and field and left "
                    "out; the others are stored (a mention sent again, same platform and "
                    "external id, is updated). A body that is not a JSON array (or too "
                    "long) is a 400 and nothing is written. Takes the "
                    "`monitoring.ingest_mention` right (a service account's token).",
        request=MentionItemSerializer(many=True),
        responses={200: IngestResultSerializer, **error_responses(400, 403)})
    # The body is read raw (read_body, parse_json); the JSON parser is declared so that the
    # browsable API can draw its raw-data form (it took the first parser: none was a 500).
    @action(detail=False, methods=["post"], url_path="bulk", url_name="bulk",
            parser_classes=[JSONParser])
    def bulk(self, request):
        require(can_ingest(request.user), _may_not_ingest())
        try:
            result = mentions_ingest(items=parse_json(read_body(request)),
                                     source=MentionSource.API)
        except BatchRefused as refused:
            raise ParseError(refused.message) from None
        return Response(result.as_dict())

    @extend_schema(
        summary="Import mentions from a CSV file",
        description="multipart/form-data: `file`, and optionally `mapping` (JSON {field: "
                    "column header}; guessed from the headers when left out), `encoding` "
                    "(auto detects UTF-8, GB18030 or Big5), `timezone` (for times without "
                    "one; UTC), `platform` (for rows without one) and `preview` (true: "
                    "check the first rows, write nothing). A row with a problem is skipped "
                    "and listed by row number and field. A file that cannot be read, or a "
                    "bad mapping, is a 400 naming `file`, `encoding`, `mapping` or "
                    "`timezone`, and nothing is written. Takes `monitoring.import_mention` "
                    "(monitoring analysts) or `monitoring.ingest_mention`.",
        request={"multipart/form-data": MentionImportSerializer},
        responses={200: MentionImportResultSerializer, **error_responses(400, 403)})
    @action(detail=False, methods=["post"], url_path="import", url_name="import",
            parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request):
        require(can_import(request.user), _may_not_import())
        serializer = MentionImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        try:
            zone = mention_import.check_zone(data["timezone"])
            mention_import.check_size(upload.size)
            table = mention_import.load(upload.read(), data["encoding"])
            mapping = data.get("mapping")
            if mapping is None:
                mapping = mention_import.guess_mapping(table.headers)
            columns = mention_import.check_mapping(mapping, table.headers,
                                                   default_platform=data["platform"])
        except mention_import.FileProblem as problem:
            return Response({problem.field: [problem.message]},
                            status=status.HTTP_400_BAD_REQUEST)
        answer = {"encoding": table.encoding, "rows": len(table.rows),
                  "mapping": {name: table.headers[i] for name, i in columns.items()},
                  "created": 0, "updated": 0, "skipped": 0, "errors": []}
        if data["preview"]:
            answer["preview"] = mention_import.preview(table, columns, zone=zone,
                                                       default_platform=data["platform"])
        else:
            outcome = mention_import.run(table=table, columns=columns, zone=zone,
                                         default_platform=data["platform"])
            answer.update(created=outcome.created, updated=outcome.updated,
                          skipped=outcome.skipped, errors=outcome.errors)
        return Response(MentionImportResultSerializer(answer).data)


class ConnectorWebhookView(APIView):
    """Signed by the connector's secret; no user, no session, no CSRF."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]  # declared for the browsable API; the body is read raw

    @extend_schema(
        operation_id="connectors_webhook",
        summary="Mentions from a connector, signed",
        description="The bulk body (a JSON array of mentions, or {\"mentions\": [...]}); an "
                    "item without `platform` takes the connector's. Headers: "
                    "`X-CrisisDesk-Timestamp` (Unix seconds) and `X-CrisisDesk-Signature: "
                    "sha256=<hex>`, HMAC-SHA256 of `<timestamp>.<body>` keyed by the "
                    "connector's secret. Older than 5 minutes, or seen before: refused.",
        parameters=[OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request=MentionItemSerializer(many=True),
        responses={200: IngestResultSerializer,
                   400: OpenApiResponse(description="Not a JSON array, or a bad timestamp."),
                   401: OpenApiResponse(description="Unsigned, bad signature, too old or "
                                                    "a replay."),
                   404: OpenApiResponse(description="No active connector of that slug.")})
    def post(self, request, slug: str):
        connector = connectors.active_connector(slug)
        if connector is None:
            raise NotFound(_("No active connector “%(slug)s”.") % {"slug": slug[:50]})
        body = read_body(request)
        try:
            connectors.verify(connector=connector, body=body,
                              timestamp=request.headers.get(connectors.TIMESTAMP_HEADER),
                              signed=request.headers.get(connectors.SIGNATURE_HEADER))
        except connectors.Refused as refused:
            return Response({"detail": refused.message}, status=refused.status)
        items = parse_json(body)
        if isinstance(items, dict) and set(items) == {"mentions"}:
            items = items["mentions"]
        try:
            result = mentions_ingest(items=items, source=MentionSource.CONNECTOR,
                                     default_platform=connector.platform)
        except BatchRefused as refused:
            raise ParseError(refused.message) from None
        return Response(result.as_dict())

    def get_authenticate_header(self, request):
        return 'CrisisDesk-Signature realm="connectors"'


# (prefix, viewset, basename) for config.urls' router.
api_routes: list = [
    ("watches", WatchViewSet, "watch"),
    ("mentions", MentionViewSet, "mention"),
]
