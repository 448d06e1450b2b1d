"""Contacts and stakeholder group pages: the contacts list (search, group, active), a
contact's page (create, edit, deactivate), the groups, and the CSV import wizard (upload →
columns and preview → import → per-row error report). Thin: a form checks the shape, one
service in ``comms.stakeholder_services`` writes. Contacts are personal data tied to no
incident: without the right the pages answer 403.

Between the wizard's steps the decoded file is kept in a file under ``CRISISDESK_VAR_DIR``
(``contact-imports/``) named by a random token that only the uploader's session holds;
never in the database, never in the page."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.csv_import import UploadStore
from core.views import form_action, redirect_with_message

from . import contact_import as importer
from . import stakeholder_services, stakeholders
from .stakeholder_choices import contact_addresses
from .stakeholder_forms import ContactForm, ContactImportMappingForm, ContactImportUploadForm
from .stakeholder_services import RowError

PAGE_SIZE = 50
ERRORS_SHOWN = 100
# An abandoned upload is removed a day later.
UPLOADS = UploadStore("contact-imports", "contact_import", keep_seconds=24 * 3600)


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _may_not_view() -> str:
    return _("You may not view contacts.")


# --- contacts -----------------------------------------------------------------------------------

@login_required
@require_GET
def contact_list(request):
    _refuse_unless(stakeholders.can_view_contacts(request.user), _may_not_view())
    contacts = stakeholders.contact_list(user=request.user)
    contact_filter = stakeholders.ContactFilter(request.GET, queryset=contacts)
    shown = contact_filter.qs if contact_filter.is_valid() else contacts.none()
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "comms/stakeholders/contact_list.html", {
        "filter": contact_filter, "page": page, "contacts": page.object_list,
        "groups": stakeholders.group_list(),
        "may_manage": stakeholders.can_manage_contacts(request.user),
    }, status=200 if contact_filter.is_valid() else 400)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request):
    _refuse_unless(stakeholders.can_manage_contacts(request.user),
                   stakeholder_services.may_not_manage())
    form = ContactForm(request.POST if request.method == "POST" else None)
    return form_action(
        request, form,
        lambda data: stakeholder_services.contact_create(actor=request.user,
                                                         **form.to_service()),
        done=lambda contact: redirect_with_message(
            request, "contact-list", _("Contact %(name)s added.") % {"name": contact.name}),
        page=lambda status: render(request, "comms/stakeholders/contact_form.html",
                                   {"form": form, "may_manage": True}, status=status))


@login_required
@require_http_methods(["GET", "POST"])
def contact_detail(request, pk: int):
    """A contact's page: its fields, and the form to change them for those who may."""
    _refuse_unless(stakeholders.can_view_contacts(request.user), _may_not_view())
    contact = stakeholders.contact_get(user=request.user, pk=pk)
    may_manage = stakeholders.can_manage_contacts(request.user)
    if request.method == "POST":
        _refuse_unless(may_manage, stakeholder_services.may_not_manage())
        form = ContactForm(request.POST)
    else:
        form = ContactForm(initial=ContactForm.initial_from(contact))
    return form_action(
        request, form,
        lambda data: stakeholder_services.contact_update(actor=request.user, contact=contact,
                                                         **form.to_service()),
        done=lambda saved: redirect_with_message(
            request, reverse("contact-detail", args=[saved.pk]),
            _("Contact %(name)s saved.") % {"name": saved.name}),
        page=lambda status: render(request, "comms/stakeholders/contact_form.html", {
            "form": form, "contact": contact, "may_manage": may_manage,
            "addresses": contact_addresses(contact.addresses)}, status=status))


@login_required
@require_GET
def group_list(request):
    """The stakeholder groups (no personal data: for everyone signed in); how many active
    contacts each holds for those who may view contacts."""
    may_view = stakeholders.can_view_contacts(request.user)
    groups = stakeholders.groups_with_counts() if may_view else stakeholders.group_list()
    return render(request, "comms/stakeholders/group_list.html", {
        "groups": groups, "may_view_contacts": may_view})


# --- the import wizard --------------------------------------------------------------------------

def _refuse_unless_may_import(request) -> None:
    _refuse_unless(stakeholders.can_manage_contacts(request.user),
                   stakeholder_services.may_not_manage())


@login_required
@require_http_methods(["GET", "POST"])
def contact_import(request):
    """Step 1: the file (and, if detection should not decide, its encoding)."""
    _refuse_unless_may_import(request)
    form = ContactImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = importer.load(upload.read(), form.cleaned_data["encoding"])
        except importer.FileProblem as problem:
            form.add_error(problem.field if problem.field in form.fields else "file",
                           problem.message)
        else:
            UPLOADS.save(request, {"filename": upload.name[:200], "encoding": table.encoding,
                                   "text": _table_text(table)})
            return redirect("contact-import-columns")
    return render(request, "comms/stakeholders/import_upload.html", {"form": form},
                  status=400 if form.errors else 200)


def _table_text(table: importer.Table) -> str:
    """The table as JSON: its headers and numbered rows, already decoded and split."""
    return json.dumps([table.headers, table.rows], ensure_ascii=False)


def _table(payload: dict) -> importer.Table:
    headers, rows = json.loads(payload["text"])
    return importer.Table(headers=headers, rows=[(n, cells) for n, cells in rows],
                                encoding=payload["encoding"])


@login_required
@require_http_methods(["GET", "POST"])
def contact_import_columns(request):
    """Step 2: which column is which field (guessed from the headers), the first rows as
    they would be imported with their problems, and the import itself."""
    _refuse_unless_may_import(request)
    payload = UPLOADS.read(request)
    if payload is None or "text" not in payload:
        messages.info(request, _("Upload the file first."))
        return redirect("contact-import")
    table = _table(payload)
    if request.method == "POST":
        form = ContactImportMappingForm(request.POST, headers=table.headers)
    else:
        form = ContactImportMappingForm(initial=importer.guess_mapping(table.headers),
                                        headers=table.headers)
    columns, rows = None, []
    if not form.is_bound or form.is_valid():
        mapping = form.mapping() if form.is_bound else form.initial
        try:
            columns = importer.check_mapping(mapping, table.headers)
        except importer.FileProblem as problem:
            if form.is_bound:
                form.add_error(None, problem.message)
        else:
            rows = importer.preview(table, columns)
    if request.method == "POST" and request.POST.get("step") == "import" and columns:
        try:
            result = importer.run(actor=request.user, table=table, columns=columns)
        except ValidationError as error:  # the file's emails taken meanwhile: nothing written
            form.add_error(None, error.messages)
            return _columns_page(request, form, payload, table, columns, rows)
        UPLOADS.save(request, {"filename": payload["filename"], "encoding": table.encoding,
                               "result": {"created": result.created, "updated": result.updated,
                                          "skipped": result.skipped},
                               "errors": [[e.row, e.field, e.message] for e in result.errors]})
        return redirect("contact-import-done")
    return _columns_page(request, form, payload, table, columns, rows)


def _columns_page(request, form, payload, table, columns, rows):
    return render(request, "comms/stakeholders/import_columns.html", {
        "form": form, "payload": payload, "table": table, "columns": columns,
        "fields": [form[name] for name in importer.FIELDS],
        "preview": rows, "row_count": len(table.rows),
        "preview_fields": [(name, importer.FIELDS[name]) for name in (columns or {})],
    }, status=400 if form.errors else 200)


def _stored_result(request) -> dict | None:
    payload = UPLOADS.read(request)
    return payload if payload is not None and "result" in payload else None


def _nothing_imported(request):
    messages.info(request, _("No import of yours to report on: upload a file first."))
    return redirect("contact-import")


@login_required
@require_GET
def contact_import_done(request):
    """Step 3: what was created, updated and skipped, and why each skipped row was."""
    _refuse_unless_may_import(request)
    payload = _stored_result(request)
    if payload is None:
        return _nothing_imported(request)
    errors = [RowError(*e) for e in payload["errors"]]
    return render(request, "comms/stakeholders/import_done.html", {
        "payload": payload, "result": payload["result"], "errors": errors[:ERRORS_SHOWN],
        "more_errors": max(0, len(errors) - ERRORS_SHOWN)})


@login_required
@require_GET
def contact_import_errors(request):
    """The per-row error report of the last import, as CSV (row, field, message)."""
    _refuse_unless_may_import(request)
    payload = _stored_result(request)
    if payload is None:
        return _nothing_imported(request)
    report = importer.error_report([RowError(*e) for e in payload["errors"]])
    response = HttpResponse("\ufeff" + report, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contact-import-errors.csv"'
    return response
