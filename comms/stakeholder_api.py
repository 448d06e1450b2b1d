"""The stakeholder API: ``/api/stakeholder-groups/`` (read; administrators edit the groups in
the admin) and ``/api/contacts/`` (list, create, retrieve, PATCH; never deleted, deactivated
instead) with ``/api/contacts/import/`` (a CSV file). Thin viewsets over
``comms.stakeholder_services`` and ``comms.contact_import``. Contacts are personal data tied
to no incident: without ``comms.view_contact`` every contact route answers 403."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from crisis.api import error_responses, require

from . import contact_import, stakeholder_services, stakeholders
from .models import Contact
from .stakeholder_serializers import (
    ContactImportResultSerializer,
    ContactImportSerializer,
    ContactInputSerializer,
    ContactSerializer,
    StakeholderGroupSerializer,
)


class ContactApiPermission(permissions.BasePermission):
    """Reading contacts takes ``comms.view_contact``; writing them, the right to manage."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return stakeholders.can_view_contacts(request.user)
        return stakeholders.can_manage_contacts(request.user)


class StakeholderGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """The stakeholder groups, in their order: each with its stakeholder kind, the channels
    tried in order and whether its members must acknowledge."""

    serializer_class = StakeholderGroupSerializer
    queryset = stakeholders.group_list()
    lookup_value_regex = r"\d+"
    filterset_class = None


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Contacts, by name. Filter by `group` (an id), `active` and `q` (name, organisation,
    email or phone). Nothing is ever deleted: `PATCH {"active": false}` deactivates."""

    serializer_class = ContactSerializer
    permission_classes = [permissions.IsAuthenticated, ContactApiPermission]
    filterset_class = stakeholders.ContactFilter
    ordering_fields = ["name", "updated_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        return stakeholders.contact_list(user=self.request.user)

    def _answer(self, contact: Contact, code: int = status.HTTP_200_OK) -> Response:
        fresh = stakeholders.contact_get(user=self.request.user, pk=contact.pk)
        return Response(ContactSerializer(fresh).data, status=code)

    @extend_schema(summary="Add a contact", request=ContactInputSerializer,
                   responses={201: ContactSerializer, **error_responses(400, 403)})
    def create(self, request, *args, **kwargs):
        serializer = ContactInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = stakeholder_services.contact_create(actor=request.user,
                                                      **serializer.to_service())
        return self._answer(contact, status.HTTP_201_CREATED)

    @extend_schema(summary="Change or deactivate a contact",
                   description="Send any of the fields; what you leave out is kept. "
                               "`groups` replaces the contact's groups; `addresses` its "
                               "addresses.",
                   request=ContactInputSerializer,
                   responses={200: ContactSerializer, **error_responses(400, 403, 404)})
    def partial_update(self, request, *args, **kwargs):
        contact = self.get_object()
        serializer = ContactInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        contact = stakeholder_services.contact_update(actor=request.user, contact=contact,
                                                      **serializer.to_service())
        return self._answer(contact)

    @extend_schema(
        summary="Import contacts from a CSV file",
        description="multipart/form-data: `file`, and optionally `mapping` (JSON "
                    "{field: column header}; guessed from the headers when left out) and "
                    "`encoding` (auto detects UTF-8, GB18030 or Big5). In one transaction: "
                    "a row whose email belongs to a contact (any case) updates it with the "
                    "cells it fills, any other row creates a contact; a row with a problem "
                    "is skipped and listed by row number and field. A file that cannot be "
                    "read, or a bad mapping, is a 400 naming `file`, `encoding` or "
                    "`mapping`, and nothing is written.",
        request={"multipart/form-data": ContactImportSerializer},
        responses={200: ContactImportResultSerializer, **error_responses(400, 403)},
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import",
            parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request):
        require(stakeholders.can_manage_contacts(request.user),
                stakeholder_services.may_not_manage())
        serializer = ContactImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            contact_import.check_size(upload.size)
            table = contact_import.load(upload.read(), serializer.validated_data["encoding"])
            mapping = serializer.validated_data.get("mapping")
            if mapping is None:
                mapping = contact_import.guess_mapping(table.headers)
            columns = contact_import.check_mapping(mapping, table.headers)
        except contact_import.FileProblem as problem:
            return Response({problem.field: [problem.message]},
                            status=status.HTTP_400_BAD_REQUEST)
        result = contact_import.run(actor=request.user, table=table, columns=columns)
        return Response(ContactImportResultSerializer({
            "encoding": table.encoding,
            "mapping": {name: table.headers[i] for name, i in columns.items()},
            "created": result.created, "updated": result.updated,
            "skipped": result.skipped, "errors": result.errors}).data)


# (prefix, viewset, basename) for config.urls' router (appended to comms.api.api_routes).
api_routes: list = [
    ("stakeholder-groups", StakeholderGroupViewSet, "stakeholder-group"),
    ("contacts", ContactViewSet, "contact"),
]
