"""REST API of the incident core. Thin: each write validates with its own serializer,
calls exactly one service and answers with an output serializer; reads come from the
selectors, so an object the user may not view answers 404."""

from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core import api
from core.api import KeysetPagination

from . import selectors, services
from .filters import IncidentFilter, TaskFilter, TimelineEntryFilter
from .models import Incident, Task, TaskComment, TimelineEntry
from .permissions import (
    IncidentApiPermission,
    can_contribute,
    can_manage_incident,
    can_work_on_task,
)
from .serializers import (
    ChecklistItemSerializer,
    ChecklistItemSetSerializer,
    ConflictErrorSerializer,
    IncidentClassifySerializer,
    IncidentCreateSerializer,
    IncidentEscalateSerializer,
    IncidentMergeSerializer,
    IncidentReopenSerializer,
    IncidentSerializer,
    IncidentTransitionSerializer,
    IncidentTypeSerializer,
    TaskAssignSerializer,
    TaskCommentCreatedSerializer,
    TaskCommentCreateSerializer,
    TaskCommentSerializer,
    TaskCreateSerializer,
    TaskSerializer,
    TaskStatusSerializer,
    TimelineEntryCreatedSerializer,
    TimelineEntryCreateSerializer,
    TimelineEntryPinSerializer,
    TimelineEntrySerializer,
)

ID = r"\d+"


def error_responses(*codes: int) -> dict:
    """The error answers a write documents besides its success."""
    return api.error_responses(*codes, conflict_serializer=ConflictErrorSerializer)


def require(allowed: bool, message: str) -> None:
    """Refuse (403) before reading the body: someone without the right learns nothing
    from validation errors, and gets the same answer as the pages give."""
    if not allowed:
        raise PermissionDenied(message)


def path_id(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH,
                            description=description)


class IncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Incidents the signed-in user may view, most urgent first; an incident you may not
    view answers 404. Every change goes through its own action."""

    serializer_class = IncidentSerializer
    permission_classes = [IncidentApiPermission]
    filterset_class = IncidentFilter
    # Urgency (level, then severity by rank) is the selector's default order; these are
    # the plain orderings that mean what they say.
    ordering_fields = ["created_at", "updated_at", "detected_at"]
    # Refreshed every few seconds during a crisis: pages read from where the last one
    # ended along the urgency index, and no COUNT(*) of everything visible.
    pagination_class = KeysetPagination

    def get_queryset(self):
        return selectors.incident_list(user=self.request.user)

    def _incident(self) -> Incident:
        return selectors.incident_get(user=self.request.user, pk=self.kwargs["pk"])

    def _answer(self, incident: Incident, code: int = status.HTTP_200_OK) -> Response:
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data,
                        status=code)

    def _act(self, input_serializer, service, *, partial: bool = False) -> Response:
        """Validate the body with ``input_serializer``, run ``service`` on this incident."""
        incident = self._incident()
        require(can_manage_incident(self.request.user, incident),
                _("You may not change this incident."))
        serializer = input_serializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return self._answer(service(actor=self.request.user, incident=incident,
                                    **serializer.validated_data))

    @extend_schema(request=IncidentCreateSerializer,
                   responses={201: IncidentSerializer, **error_responses(400, 403)})
    def create(self, request, *args, **kwargs):
        serializer = IncidentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = services.incident_create(actor=request.user, **serializer.validated_data)
        return self._answer(incident, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move the incident along its lifecycle",
        description="triage → active → contained → recovering → closed; contained and "
                    "recovering may go back to active (with a reason). Closing needs every "
                    "task done or waived. A move the lifecycle does not allow answers 409 "
                    "with the current status and the allowed ones.",
        request=IncidentTransitionSerializer,
        responses={200: IncidentSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        return self._act(IncidentTransitionSerializer, services.incident_transition)

    @extend_schema(
        summary="Reopen a closed incident",
        description="Back to active, with a reason. Only a closed incident that was not "
                    "merged can be reopened (else 409).",
        request=IncidentReopenSerializer,
        responses={200: IncidentSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(IncidentReopenSerializer, services.incident_reopen)

    @extend_schema(
        summary="Merge this incident into another",
        description="Closes this incident as a duplicate of `into`, moving its timeline and "
                    "tasks there. Answers the surviving incident. Both must be open.",
        request=IncidentMergeSerializer,
        responses={200: IncidentSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        duplicate = self._incident()
        require(can_manage_incident(request.user, duplicate),
                _("You may not change this incident."))
        serializer = IncidentMergeSerializer(data=request.data,
                                             context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        survivor = services.incident_merge(actor=request.user, duplicate=duplicate,
                                           survivor=data["into"], reason=data["reason"])
        return self._answer(survivor)

    @extend_schema(
        summary="Change severity and/or the manual warning level",
        description="Always with a reason. The effective warning level is the higher of the "
                    "automatic and the manual one, unless `override` lets the manual one win.",
        request=IncidentEscalateSerializer,
        responses={200: IncidentSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act(IncidentEscalateSerializer, services.incident_escalate)

    @extend_schema(
        summary="Reclassify the incident (partial update)",
        description="PATCH with any subset of the classification fields; only the ones sent "
                    "change, and the change is recorded in the timeline. A new type adds its "
                    "playbook's tasks. Severity and warning level change through `escalate`.",
        request=IncidentClassifySerializer,
        responses={200: IncidentSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["patch"])
    def classify(self, request, pk=None):
        return self._act(IncidentClassifySerializer, services.incident_classify, partial=True)


@extend_schema(parameters=[path_id("incident_pk", "The incident's id.")])
class TimelineEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """An incident's timeline, newest first. Append-only: entries are never edited or
    deleted (a correction is a new entry pointing at the one it corrects); only the pin
    changes."""

    serializer_class = TimelineEntrySerializer
    permission_classes = [IncidentApiPermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = TimelineEntryFilter

    @cached_property
    def incident(self) -> Incident:
        return selectors.incident_get(user=self.request.user, pk=self.kwargs["incident_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TimelineEntry.objects.none()
        return selectors.timeline_for(user=self.request.user, incident=self.incident)

    @extend_schema(
        summary="Write a note, decision or key moment",
        description="Send `corrects` (an earlier entry of this incident) to correct it; the "
                    "new entry is recorded as a correction.",
        request=TimelineEntryCreateSerializer,
        responses={201: TimelineEntryCreatedSerializer, **error_responses(400, 403, 404)},
    )
    def create(self, request, *args, **kwargs):
        incident = self.incident
        require(can_contribute(request.user, incident), _("You may not write in this incident."))
        serializer = TimelineEntryCreateSerializer(
            data=request.data, context={**self.get_serializer_context(), "incident": incident})
        serializer.is_valid(raise_exception=True)
        entry = services.timeline_entry_add(actor=request.user, incident=incident,
                                            **serializer.validated_data)
        return Response(
            TimelineEntryCreatedSerializer(entry, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Pin or unpin an entry",
        request=TimelineEntryPinSerializer,
        responses={200: TimelineEntrySerializer, **error_responses(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def pin(self, request, *args, **kwargs):
        entry = self.get_object()
        require(can_contribute(request.user, self.incident),
                _("You may not write in this incident."))
        serializer = TimelineEntryPinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.timeline_entry_pin(actor=request.user, entry=entry,
                                            **serializer.validated_data)
        return Response(TimelineEntrySerializer(entry, context=self.get_serializer_context()).data)


class TaskViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Tasks of the incidents the user may view (the playbook's and people's own)."""

    serializer_class = TaskSerializer
    permission_classes = [IncidentApiPermission]
    filterset_class = TaskFilter
    ordering_fields = ["position", "due_at", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        return selectors.task_list(user=self.request.user)

    def _task(self) -> Task:
        return selectors.task_get(user=self.request.user, pk=self.kwargs["pk"])

    def _answer(self, task: Task, code: int = status.HTTP_200_OK) -> Response:
        return Response(TaskSerializer(task, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(
        summary="Add a task to an incident",
        request=TaskCreateSerializer,
        responses={201: TaskSerializer, **error_responses(400, 403, 409)},
    )
    def create(self, request, *args, **kwargs):
        serializer = TaskCreateSerializer(data=request.data,
                                          context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        task = services.task_create(actor=request.user, **serializer.validated_data)
        return self._answer(task, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change the task's status",
        description="Blocking or waiving needs a reason. Tasks of a closed incident answer "
                    "409.",
        request=TaskStatusSerializer,
        responses={200: TaskSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, pk=None):
        task = self._task()
        require(can_work_on_task(request.user, task), _("You may not work on this task."))
        serializer = TaskStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_set_status(actor=request.user, task=task,
                                        **serializer.validated_data)
        return self._answer(task)

    @extend_schema(
        summary="Give the task to someone, or to nobody",
        request=TaskAssignSerializer,
        responses={200: TaskSerializer, **error_responses(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        task = self._task()
        require(can_contribute(request.user, task.incident), _("You may not work on this task."))
        serializer = TaskAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_assign(actor=request.user, task=task, **serializer.validated_data)
        return self._answer(task)

    @extend_schema(
        summary="Tick or untick one checklist item of the task",
        parameters=[path_id("item_id", "The checklist item's id (one of this task's).")],
        request=ChecklistItemSetSerializer,
        responses={200: ChecklistItemSerializer, **error_responses(400, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path=rf"checklist/(?P<item_id>{ID})",
            url_name="checklist-item")
    def checklist(self, request, pk=None, item_id=None):
        task = self._task()
        item = selectors.checklist_item_get(user=request.user, task=task, pk=item_id)
        require(can_work_on_task(request.user, task), _("You may not work on this task."))
        serializer = ChecklistItemSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.checklist_item_set(actor=request.user, item=item,
                                           **serializer.validated_data)
        return Response(ChecklistItemSerializer(item).data)


@extend_schema(parameters=[path_id("task_pk", "The task's id.")])
class TaskCommentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin,
                         viewsets.GenericViewSet):
    """The comments on a task, oldest first."""

    serializer_class = TaskCommentSerializer
    permission_classes = [IncidentApiPermission]
    filter_backends = []

    @cached_property
    def task(self) -> Task:
        return selectors.task_get(user=self.request.user, pk=self.kwargs["task_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TaskComment.objects.none()
        return selectors.task_comments_for(user=self.request.user, task=self.task)

    @extend_schema(
        summary="Comment on the task",
        request=TaskCommentCreateSerializer,
        responses={201: TaskCommentCreatedSerializer, **error_responses(400, 403, 404)},
    )
    def create(self, request, *args, **kwargs):
        task = self.task
        require(can_work_on_task(request.user, task), _("You may not work on this task."))
        serializer = TaskCommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.task_comment_add(actor=request.user, task=task,
                                            **serializer.validated_data)
        return Response(TaskCommentCreatedSerializer(comment).data,
                        status=status.HTTP_201_CREATED)


class IncidentTypeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The incident types in use (what `type` takes, by code)."""

    serializer_class = IncidentTypeSerializer
    permission_classes = [IncidentApiPermission]
    queryset = selectors.incident_type_list()
    filter_backends = []
