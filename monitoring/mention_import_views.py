"""The mention CSV import page (``/monitoring/mentions/import/``): upload → columns and
preview → import → result with the per-row error report (``.../errors/``, CSV). Thin:
``monitoring.mention_import`` reads, checks and imports. Between the steps the decoded
table waits in a file under ``VAR_DIR/mention-imports/`` named by a random token only the
uploader's session holds (kept an hour). Takes ``monitoring.import_mention`` (monitoring
analysts) or a service account's ``monitoring.ingest_mention``."""

import json
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import mention_import as importer
from .ingest_api import can_import
from .mention_import_forms import MentionImportMappingForm, MentionImportUploadForm

SESSION_KEY = "mention_import"
KEEP_SECONDS = 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
ERRORS_SHOWN = 100


def _refuse_unless_may_import(request) -> None:
    if not can_import(request.user):
        raise PermissionDenied


def _directory() -> Path:
    path = Path(settings.VAR_DIR) / "mention-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _save(request, payload: dict) -> None:
    directory = _directory()
    cutoff = time.time() - KEEP_SECONDS
    for old in directory.glob("*.json"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:
            pass
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        token = secrets.token_urlsafe(24)
        request.session[SESSION_KEY] = token
    (directory / f"{token}.json").write_text(
        json.dumps({**payload, "user": request.user.pk}, ensure_ascii=False), encoding="utf-8")


def _stored(request) -> dict | None:
    token = request.session.get(SESSION_KEY, "")
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    try:
        payload = json.loads((_directory() / f"{token}.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return payload if payload.get("user") == request.user.pk else None


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
    payload = _stored(request)
    if payload is None or "table" not in payload:
        form = MentionImportUploadForm()
        form.add_error(None, _("Upload the file first (an upload is kept for an hour)."))
        return render(request, "monitoring/mention_import.html",
                      {"form": form, "step": 1}, status=400)
    return _columns(request, payload, run=step == "import")


def _upload(request):
    form = MentionImportUploadForm(request.POST or None, request.FILES or None)
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
            _save(request, {"filename": upload.name[:200], "encoding": table.encoding,
                            "platform": form.cleaned_data["platform"], "timezone": zone_name,
                            "table": [table.headers, table.rows]})
            mapping_form = MentionImportMappingForm(
                initial=importer.guess_mapping(table.headers), headers=table.headers)
            return _columns_page(request, mapping_form, _stored(request), table)
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
            _save(request, {"filename": payload["filename"], "errors": errors})
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
    payload = _stored(request) or {}
    report = importer.error_report([importer.RowError(*e) for e in payload.get("errors", [])])
    response = HttpResponse("\ufeff" + report, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mention-import-errors.csv"'
    return response
