"""The mention CSV import page (``/monitoring/mentions/import/``): upload → columns and
preview → import → result with the per-row error report (``.../errors/``, CSV). Thin:
``monitoring.mention_import`` reads, checks and imports. Between the steps the decoded
table waits in a file under ``VAR_DIR/mention-imports/`` named by a random token only the
uploader's session holds (kept an hour). Takes ``monitoring.import_mention`` (monitoring
analysts) or a service account's ``monitoring.ingest_mention``."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.csv_import import UploadStore

from . import mention_import as importer
from .ingest_api import can_import
from .mention_import_forms import MentionImportMappingForm, MentionImportUploadForm

UPLOADS = UploadStore("mention-imports", "mention_import", keep_seconds=3600)
ERRORS_SHOWN = 100


def _refuse_unless_may_import(request) -> None:
    if not can_import(request.user):
        raise PermissionDenied


def _table(payload: dict) -> importer.Table:
    headers, rows = payload["table"]
    return importer.Table(headers=headers, rows=[(n, cells) for n, cells in rows],
                          encoding=payload["encoding"])


@login_required
@require_http_methods(["GET", "POST"])
def mention_import(request):
    """All steps on one address: the ``step`` sent says which."""
    _refuse_unless_may_import(request)
    step = request.POST.get("step", "upload") if request.method == "POST" else "upload"
    if step == "upload":
        return _upload(request)
    payload = UPLOADS.read(request)
    if payload is None or "table" not in payload:  # none yet, or kept past its hour
        messages.info(request, _("Upload the file first (an upload is kept for an hour)."))
        return redirect("monitoring-mention-import")
    return _columns(request, payload, run=step == "import")


def _upload(request):
    # Times written without a zone are read in the importer's own zone unless she says.
    form = MentionImportUploadForm(request.POST or None, request.FILES or None,
                                   initial={"timezone": timezone.get_current_timezone_name()})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            zone_name = form.cleaned_data["timezone"]
            importer.check_zone(zone_name)
            importer.check_size(upload.size)
            table = importer.load(upload.read(), form.cleaned_data["encoding"])
        except importer.FileProblem as problem:
            form.add_error(problem.field if problem.field in form.fields else "file",
                           problem.message)
        else:
            UPLOADS.save(request, {"filename": upload.name[:200], "encoding": table.encoding,
                                   "platform": form.cleaned_data["platform"],
                                   "timezone": zone_name, "table": [table.headers, table.rows]})
            mapping_form = MentionImportMappingForm(
                initial=importer.guess_mapping(table.headers), headers=table.headers)
            return _columns_page(request, mapping_form, UPLOADS.read(request), table)
    return render(request, "monitoring/mention_import.html", {"form": form, "step": 1},
                  status=400 if form.errors else 200)


def _columns(request, payload: dict, *, run: bool):
    table = _table(payload)
    form = MentionImportMappingForm(request.POST, headers=table.headers)
    if run and form.is_valid():
        try:
            columns = importer.check_mapping(form.mapping(), table.headers,
                                             default_platform=payload["platform"])
        except importer.FileProblem as problem:
            form.add_error(None, problem.message)
        else:
            outcome = importer.run(table=table, columns=columns,
                                   zone=importer.check_zone(payload["timezone"]),
                                   default_platform=payload["platform"])
            errors = [[e.row, e.field, e.message] for e in outcome.errors]
            UPLOADS.save(request, {"filename": payload["filename"], "errors": errors})
            return render(request, "monitoring/mention_import_done.html", {
                "step": 3, "filename": payload["filename"], "outcome": outcome,
                "errors": outcome.errors[:ERRORS_SHOWN],
                "more_errors": max(0, len(errors) - ERRORS_SHOWN)})
    return _columns_page(request, form, payload, table)


def _columns_page(request, form, payload, table):
    columns, rows = None, []
    if not form.is_bound or form.is_valid():
        mapping = form.mapping() if form.is_bound else form.initial
        try:
            columns = importer.check_mapping(mapping, table.headers,
                                             default_platform=payload["platform"])
        except importer.FileProblem as problem:
            if form.is_bound:
                form.add_error(None, problem.message)
        else:
            rows = importer.preview(table, columns,
                                    zone=importer.check_zone(payload["timezone"]),
                                    default_platform=payload["platform"])
    return render(request, "monitoring/mention_import_columns.html", {
        "step": 2, "form": form, "payload": payload, "table": table, "columns": columns,
        "preview": rows, "row_count": len(table.rows),
        "preview_fields": [(name, importer.FIELDS[name]) for name in (columns or {})],
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def mention_import_errors(request):
    """The per-row error report of this session's last import, as CSV."""
    _refuse_unless_may_import(request)
    payload = UPLOADS.read(request) or {}
    report = importer.error_report([importer.RowError(*e) for e in payload.get("errors", [])])
    response = HttpResponse("\ufeff" + report, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mention-import-errors.csv"'
    return response
