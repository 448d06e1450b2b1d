"""The executive dashboard page (``/reports/``) and its PDF (``/reports/pdf/``): thin views
over ``reports.dashboard``. A period that cannot be read answers the page again with the
reason beside the field (400), never a 500."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .dashboard import can_view_dashboard, dashboard_build, default_period, period_from
from .rendering import render_pdf


def _require_dashboard(user) -> None:
    if not can_view_dashboard(user):
        raise PermissionDenied(_("Reports are for executives, crisis managers, auditors and "
                                 "administrators."))


def _refused(request, error: ValidationError) -> HttpResponse:
    """The page with the period as typed and what is wrong with it (400)."""
    return render(request, "reports/dashboard.html", {
        "errors": error.message_dict, "dashboard": None,
        "chosen": {name: request.GET.get(name, "") for name in ("from", "to", "drills")},
    }, status=400)


def _pending_before(request) -> float:
    try:
        return int(request.GET.get("pending", ""))
    except ValueError:
        return float("inf")


@login_required
@require_GET
def dashboard(request):
    _require_dashboard(request.user)
    try:
        period = period_from(request.GET)
    except ValidationError as error:
        return _refused(request, error)
    board = dashboard_build(user=request.user, period=period)
    from .dashboard_chart import NARROW, trend_chart  # matplotlib on first use

    return render(request, "reports/dashboard.html", {
        # While metrics are pending the page asks again, as long as each answer has fewer
        # (a cache that drops entries, as the embedded default's holds only 300, could
        # otherwise keep it asking forever).
        "refresh": board.metrics_pending and board.metrics_pending < _pending_before(request),
        "dashboard": board, "errors": {},
        "chosen": {"from": period.start.isoformat(), "to": period.end.isoformat(),
                   "drills": "1" if period.drills else ""},
        "query": urlencode(period.query()), "default": default_period(),
        "chart": trend_chart(board), "narrow_chart": trend_chart(board, width=NARROW, columns=1),
    })


@login_required
@require_GET
def dashboard_pdf(request):
    _require_dashboard(request.user)
    try:
        period = period_from(request.GET)
    except ValidationError as error:
        return _refused(request, error)
    board = dashboard_build(user=request.user, period=period, complete=True)
    from .dashboard_chart import trend_chart  # matplotlib on first use

    pdf = render_pdf(template="reports/dashboard_pdf.html", context={
        "dashboard": board, "generated_at": timezone.now(), "reader": request.user,
        "chart": trend_chart(board)})
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"crisisdesk-report-{period.start.isoformat()}-{period.end.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
