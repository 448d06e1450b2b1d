"""The media inquiries API (``/api/media-inquiries/``): a thin viewset over
``comms.inquiry_services`` and ``comms.media``. An inquiry of an incident the user may not
view answers 404; an incident in a body the user may not view, 400 naming ``incident``."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core.api import error_responses
from crisis.api import require
from crisis.permissions import IncidentApiPermission

from . import inquiry_services, media
from .inquiry_serializers import (
    InquiryCreateSerializer,
    InquiryEditSerializer,
    MediaInquirySerializer,
)
from .models import MediaInquiry
from .serializers import StatementConflictSerializer

ERRORS = error_responses(
    400, 403, 404, 409, conflict_serializer=StatementConflictSerializer,
    forbidden="You may not work on media inquiries in this incident.",
    not_found="No such inquiry, or you may not view its incident.",
    conflict="The incident was merged or closed.")


class MediaInquiryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Media inquiries of the incidents the signed-in user may view: open ones first (the
    nearest deadline first), then answered and declined ones, newest first. Filter by
    `incident`, `status` (repeatable) and `overdue`. Nothing is ever deleted."""

    serializer_class = MediaInquirySerializer
    permission_classes = [IncidentApiPermission]
    filterset_class = media.MediaInquiryFilter
    ordering_fields = ["received_at", "deadline", "updated_at"]
    lookup_value_regex = r"\d+"
    input_serializers = {"create": InquiryCreateSerializer,
                         "partial_update": InquiryEditSerializer}

    def get_serializer_class(self):
        return self.input_serializers.get(self.action, MediaInquirySerializer)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MediaInquiry.objects.none()
        return media.open_first(media.inquiry_list(user=self.request.user))

    def _answer(self, inquiry: MediaInquiry, code: int = status.HTTP_200_OK) -> Response:
        fresh = media.inquiry_get(user=self.request.user, pk=inquiry.pk)
        return Response(MediaInquirySerializer(fresh).data, status=code)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(MediaInquirySerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(MediaInquirySerializer(
            media.inquiry_get(user=request.user, pk=kwargs["pk"])).data)

    @extend_schema(
        summary="Log a media inquiry",
        description="In an incident where you contribute or draft statements. It starts as "
                    "`new`; an `assignee` is told.",
        request=InquiryCreateSerializer,
        responses={201: MediaInquirySerializer, **{c: ERRORS[c] for c in (400, 403, 409)}},
    )
    def create(self, request, *args, **kwargs):
        serializer = InquiryCreateSerializer(data=request.data,
                                             context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        inquiry = inquiry_services.inquiry_create(actor=request.user,
                                                  **serializer.validated_data)
        return self._answer(inquiry, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Assign, answer or correct a media inquiry",
        description="Send any of the fields; what you leave out is kept. `assignee` null "
                    "unassigns (a new assignee is told); `answer_statement` must be an "
                    "approved or published statement of the same incident. `answered` needs "
                    "the statement or an `answer_note`; `declined` needs an `answer_note`.",
        request=InquiryEditSerializer,
        responses={200: MediaInquirySerializer, **ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        inquiry = media.inquiry_get(user=request.user, pk=kwargs["pk"])
        require(media.can_work_inquiries(request.user, inquiry.incident),
                inquiry_services.may_not_work())
        serializer = InquiryEditSerializer(data=request.data, partial=True,
                                           context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        inquiry = inquiry_services.inquiry_update(actor=request.user, inquiry=inquiry,
                                                  **serializer.validated_data)
        return self._answer(inquiry)


# (prefix, viewset, basename) for config.urls' router (appended to comms.api.api_routes).
api_routes: list = [
    ("media-inquiries", MediaInquiryViewSet, "media-inquiry"),
]
