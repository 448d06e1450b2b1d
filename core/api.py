"""API conventions shared by every app: pagination, error shapes and the browsable API."""

import copy
import json

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, renderers, serializers, status
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.serializer_helpers import BoundField
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .errors import ConflictError
from .forms import BooleanField
from .keyset import InvalidCursor, Keyset


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class KeysetPagination(CursorPagination):
    """Pages that follow ``next`` / ``previous`` links (``?cursor=``), each read from where
    the last one ended (``core.keyset``) in the view's own order, whatever its keys: page
    200 costs what page 1 does, and no ``COUNT(*)`` of the whole list is made. The answer
    is ``{"next": url|null, "previous": url|null, "results": [...]}``.

    A cursor carries the sort keys of the row it follows; one this list did not make (or
    made for another ``ordering``) answers 400 naming ``cursor``, and ``page`` (page
    numbers) answers 400 saying to follow the links."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = None  # the queryset's own order (the view's and its ordering filter's)
    cursor_query_description = gettext_lazy(
        "Where the page starts: the `next` or `previous` link of the page before gives it.")

    def paginate_queryset(self, queryset, request, view=None):
        if "page" in request.query_params:
            raise exceptions.ValidationError({"page": [_(
                "This list is paged by cursor: follow the “next” and “previous” links "
                "(the cursor parameter), not page numbers.")]})
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        self.keyset = Keyset(queryset)
        raw = request.query_params.get(self.cursor_query_param)
        after, backwards = None, False
        if raw:
            try:
                after, backwards = self.keyset.decode(raw)
            except InvalidCursor as error:
                raise exceptions.ValidationError({self.cursor_query_param: [_(
                    "Not a cursor of this list (%(why)s): start again from the first page "
                    "and follow its links.") % {"why": error.args[0]}]}) from None
        rows = self.keyset.rows(limit=self.page_size + 1, after=after, backwards=backwards)
        more = len(rows) > self.page_size
        if backwards:
            self.page = rows[1:] if more else rows
            self.has_previous, self.has_next = more, True
        else:
            self.page = rows[:self.page_size]
            self.has_previous, self.has_next = after is not None, more
        return self.page

    def _link(self, row, *, before: bool):
        return replace_query_param(remove_query_param(self.base_url, "page"),
                                   self.cursor_query_param,
                                   self.keyset.encode(row, before=before))

    def get_next_link(self):
        if not (self.has_next and self.page):
            return None
        return self._link(self.page[-1], before=False)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.page:  # past the end: back to where the list ends
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(self.page[0], before=True)


def error_responses(*codes: int, conflict_serializer=None,
                    forbidden: str = "You may not do this.",
                    not_found: str = "No such object, or you may not view it.",
                    conflict: str = "Valid, but not from the current state.") -> dict:
    """The error answers an operation documents besides its success (``codes`` of 400,
    403, 404 and 409), worded for its objects; a 409's body is ``conflict_serializer``
    (each app's own, as ``core.errors.ConflictError`` carries its own fields)."""
    described = {
        400: OpenApiResponse(description="Bad input; the body names each field at fault."),
        403: OpenApiResponse(description=forbidden),
        404: OpenApiResponse(description=not_found),
        409: OpenApiResponse(conflict_serializer, description=conflict),
    }
    return {code: described[code] for code in codes}


class ColumnMappingField(serializers.JSONField):
    """Which column of an imported CSV file holds which field: a JSON object of field:
    column header, sent as text in a multipart body (or as an object in JSON)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("An object of field: column header."))
        return data


def query_boolean(request, name: str, *, default: bool = False) -> bool:
    """A true/false query parameter read as the filters read one (``core.forms``); any
    other value answers 400 naming it."""
    try:
        value = BooleanField(required=False).clean(request.query_params.get(name))
    except DjangoValidationError as error:
        raise exceptions.ValidationError({name: error.messages}) from None
    return default if value is None else value


class HTMLFormRenderer(renderers.HTMLFormRenderer):
    """DRF's form renderer, drawing a date and time it cannot read as the text it was.

    After a 400 the browsable API draws the form again with what was sent, and DRF parses a
    date and time field's value to fill its datetime-local input: a value that is no ISO
    8601 time (the very input the 400 refused) raised ValueError there, a 500."""

    def render_field(self, field, parent_style):
        try:
            return super().render_field(field, parent_style)
        except ValueError:
            if not isinstance(field._field, serializers.DateTimeField):
                raise
        as_text = copy.copy(field._field)
        as_text.style = {**field._field.style, "input_type": "text"}
        return super().render_field(BoundField(as_text, field.value, field.errors, field._prefix),
                                    parent_style)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """The browsable API, offering a form only to someone who may send it.

    DRF shows a method's form to anyone its permission classes let in, whatever the page
    (a 404 or a 405 too), and fills its selects from the serializer's querysets. A view
    whose writes depend on the object in the URL says who may send them with
    ``offers_form(request) -> bool`` (``request.method`` and ``view.action`` are the
    form's); without it DRF's rule stands."""

    form_renderer_class = HTMLFormRenderer

    def show_form_for_method(self, view, method, request, obj):
        if not super().show_form_for_method(view, method, request, obj):
            return False
        offers_form = getattr(view, "offers_form", None)
        return offers_form is None or bool(offers_form(request))


def document_read_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every read documents the errors any read may
    answer (writes document theirs with ``extend_schema``): 400 for a query parameter it
    cannot apply, 404 for an object one may not view or a page past the end."""
    for path, operations in result.get("paths", {}).items():
        read = operations.get("get")
        if read is None:
            continue
        responses = read.setdefault("responses", {})
        if any(parameter.get("in") == "query" for parameter in read.get("parameters", [])):
            responses.setdefault("400", {"description": "A query parameter it cannot "
                                                        "apply; the body names it."})
            responses.setdefault("404", {"description": "A page past the end."})
        if "{" in path:
            responses["404"] = {"description": "No such object, or you may not view it."}
    return result


def exception_handler(exc, context):
    """Map the services' errors onto HTTP, never a 500.

    - Django ``ValidationError`` → 400 naming the field;
    - Django ``PermissionDenied`` → 403;
    - ``ConflictError`` (valid request, wrong state) → 409
      ``{"detail": message, "current": ..., "allowed": [...], ...}``.
    """
    if isinstance(exc, ConflictError):
        set_rollback()
        return Response({"detail": exc.message, **exc.detail}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field:
                    [str(m) for m in msgs]
                for field, msgs in exc.message_dict.items()
            }
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
