"""The review API (``/api/reviews/…``, ``/api/action-items/…``): thin viewsets over
``reports.services`` and ``reports.selectors``. Each write validates its body with its own
serializer, calls one service and answers with the object as it now stands; a review or
action item of an incident the user may not view answers 404 on every route.

Action items are never deleted (the signed-off review named them): a mistaken one is
cancelled (``status`` = ``cancelled``)."""

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import api
from crisis.api import require
from crisis.permissions import IncidentApiPermission

from . import selectors, services
from .filters import ActionItemFilter, ReviewFilter
from .models import ActionItem, PostIncidentReview, ReviewVersion
from .permissions import can_change_action_item, can_edit_review, sign_off_roles
from .serializers import (
    ActionItemCreateSerializer,
    ActionItemSerializer,
    ActionItemUpdateSerializer,
    ReviewConflictSerializer,
    ReviewEditSerializer,
    ReviewListSerializer,
    ReviewSerializer,
    ReviewSignOffSerializer,
    SignOffInputSerializer,
)

ID = r"\d+"


def error_responses(*codes: int) -> dict:
    """The error answers a write documents besides its success."""
    return api.error_responses(
        *codes, conflict_serializer=ReviewConflictSerializer,
        not_found="No such review or action item, or you may not view its incident.",
        conflict="Valid, but not against the review as it now stands (another revision or "
                 "version).")


def may_not_edit() -> str:
    return _("You may not edit this review.")


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """Post-incident reviews of the incidents you may view, newest first (one per
    incident, opened when it reaches recovering or closed). PATCH changes the current
    version's text (from the revision it was written from) or the language; sign-off
    signs a version as the incident's lead or executive sponsor."""

    permission_classes = [IncidentApiPermission]
    filterset_class = ReviewFilter
    lookup_value_regex = ID
    input_serializers = {"partial_update": ReviewEditSerializer,
                         "sign_off": SignOffInputSerializer}

    def get_serializer_class(self):
        if self.action == "list":
            return ReviewListSerializer
        return self.input_serializers.get(self.action, ReviewSerializer)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PostIncidentReview.objects.none()
        return selectors.reviews_visible(user=self.request.user).prefetch_related(
            Prefetch("versions", to_attr="newest_first",
                     queryset=ReviewVersion.objects.order_by("-number")
                     .only("pk", "review_id", "number", "revision", "created_at",
                           "signed_off_at")))

    def _review(self) -> PostIncidentReview:
        return selectors.review_get(user=self.request.user, pk=self.kwargs["pk"])

    def offers_form(self, request) -> bool:
        """The browsable API's forms on one review are for whoever may send them."""
        if "pk" not in self.kwargs:
            return True
        try:
            review = self._review()
        except Http404:
            return False
        if self.action == "sign_off":
            return bool(sign_off_roles(request.user, selectors.current_version(review)))
        return can_edit_review(request.user, review)

    def _answer(self, review: PostIncidentReview, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.review_get(user=self.request.user, pk=review.pk)
        return Response(ReviewSerializer(fresh, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(summary="A review with its current version and the list of versions",
                   responses={200: ReviewSerializer})
    def retrieve(self, request, *args, **kwargs):
        return self._answer(self._review())

    @extend_schema(
        summary="Edit the current version, or the language",
        description="Send `base_revision` (the `revision` of the current version your text "
                    "was written from) and the sections to change; what you leave out is "
                    "kept. A version nobody has signed is changed in place (its revision "
                    "goes up by one); a version someone signed is kept as it is and the "
                    "change starts a new version, which needs every sign-off again. Another "
                    "revision than the current one answers 409 with the current `version` "
                    "and `revision`. The executive summary has at most 200 words (Chinese, "
                    "Japanese and Korean characters count as two thirds of a word: about "
                    "300 characters). `language` (en, zh-hant, zh-hans) sets the language "
                    "of the headings, labels and PDF.",
        request=ReviewEditSerializer,
        responses={200: ReviewSerializer, **error_responses(400, 403, 404, 409)},
    )
    def partial_update(self, request, *args, **kwargs):
        review = self._review()
        require(can_edit_review(request.user, review), may_not_edit())
        data = dict(self._input(ReviewEditSerializer).validated_data)
        language = data.pop("language", None)
        base_revision = data.pop("base_revision", None)
        with transaction.atomic():  # the text and the language change together, or neither
            if data:
                services.review_edit(actor=request.user, review=review,
                                     base_revision=base_revision, **data)
            if language is not None:
                services.review_set_language(actor=request.user, review=review,
                                             language=language)
        return self._answer(review)

    @extend_schema(
        summary="Sign a version off",
        description="As the incident's active lead or executive sponsor (nobody signs for "
                    "them, administrators included), the current version only (an older "
                    "one answers 409 naming the current one), once per person. The second "
                    "sign-off signs the version off: its metrics are frozen and the "
                    "executives on the incident are told. Needs the executive summary.",
        request=SignOffInputSerializer,
        responses={201: ReviewSignOffSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="sign-off", url_name="sign-off")
    def sign_off(self, request, pk=None):
        review = self._review()
        data = self._input(SignOffInputSerializer).validated_data
        sign_off = services.review_sign_off(actor=request.user, review=review,
                                            version_number=data["version"],
                                            role=data.get("role"))
        return Response(ReviewSignOffSerializer(sign_off).data, status=status.HTTP_201_CREATED)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer


class ActionItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Action items of the reviews you may view, soonest due first. Filter by `review`,
    `incident`, `owner`, `status` and `overdue`. Those who write the review add and change
    them; an owner may change the status of their own. Never deleted: cancel instead."""

    permission_classes = [IncidentApiPermission]
    filterset_class = ActionItemFilter
    lookup_value_regex = ID
    input_serializers = {"create": ActionItemCreateSerializer,
                         "partial_update": ActionItemUpdateSerializer}

    def get_serializer_class(self):
        return self.input_serializers.get(self.action, ActionItemSerializer)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ActionItem.objects.none()
        return selectors.action_items_visible(user=self.request.user)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            ActionItemSerializer(page, many=True, context=self.get_serializer_context()).data)

    def _item(self) -> ActionItem:
        return selectors.action_item_get(user=self.request.user, pk=self.kwargs["pk"])

    def offers_form(self, request) -> bool:
        if "pk" not in self.kwargs:
            return True
        try:
            item = self._item()
        except Http404:
            return False
        return can_change_action_item(request.user, item)

    def _answer(self, item: ActionItem, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.action_item_get(user=self.request.user, pk=item.pk)
        return Response(ActionItemSerializer(fresh, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(responses={200: ActionItemSerializer})
    def retrieve(self, request, *args, **kwargs):
        return self._answer(self._item())

    @extend_schema(
        summary="Add an action item to a review",
        description="`owner` must be someone who may view the incident; `due_on` today or "
                    "later. What it `changes` (playbook, approval_policy, watch, "
                    "warning_rule) takes the matching link; `other` takes none. A review you "
                    "may not view answers 400 (as one that does not exist).",
        request=ActionItemCreateSerializer,
        responses={201: ActionItemSerializer, **error_responses(400, 403)},
    )
    def create(self, request, *args, **kwargs):
        serializer = ActionItemCreateSerializer(data=request.data,
                                                context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        review = data.pop("review")
        require(can_edit_review(request.user, review), may_not_edit())
        item = services.action_item_create(actor=request.user, review=review, **data)
        return self._answer(item, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an action item",
        description="Any field for those who write the review; only `status` for its owner.",
        request=ActionItemUpdateSerializer,
        responses={200: ActionItemSerializer, **error_responses(400, 403, 404)},
    )
    def partial_update(self, request, *args, **kwargs):
        item = self._item()
        require(can_change_action_item(request.user, item),
                _("You may not change this action item."))
        serializer = ActionItemUpdateSerializer(data=request.data,
                                                context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.action_item_update(actor=request.user, item=item,
                                    **serializer.validated_data)
        return self._answer(item)


api_routes: list = [
    ("reviews", ReviewViewSet, "review"),
    ("action-items", ActionItemViewSet, "action-item"),
]
