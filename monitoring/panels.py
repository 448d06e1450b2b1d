"""The incident room's Evidence panel (registered with ``crisis.panels`` from
``MonitoringConfig.ready()``; the room never imports monitoring): the alerts escalated
into or attached to the incident, their signals in words, their evidence mentions (widest
reach first) and each watch's chart of the last 24 hours. The room shows it to whoever may
view the incident; the link to an alert's own page only to those who may see the board."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy

from crisis import panels
from crisis.choices import WarningLevel
from crisis.models import choice_rank

from .board_selectors import decorate, evidence_mentions
from .models import Alert, AlertEvidence
from .permissions import can_view_alerts
from .series import watch_series

PANEL_ID = "evidence-panel"
TEMPLATE = "monitoring/_evidence_panel.html"
EVIDENCE_PER_ALERT = 5
CHARTS = 3  # watches charted in the panel at most
ASSETS = ("vendor/uplot/uPlot.min.css", "vendor/uplot/uPlot.iife.min.js", "js/watch-chart.js")


def attached_alerts(incident) -> list[Alert]:
    alerts = (Alert.objects.filter(incident=incident).select_related("watch")
              .prefetch_related(Prefetch("evidence_rows", queryset=AlertEvidence.objects
                                         .select_related("mention").order_by("rank")))
              .order_by(choice_rank("peak_level", WarningLevel).desc(), "-updated_at", "-pk"))
    shown = []
    for alert in alerts:
        decorate(alert)
        alert.top_evidence = evidence_mentions(alert)[:EVIDENCE_PER_ALERT]
        shown.append(alert)
    return shown


def evidence_panel_context(request, incident) -> dict:
    alerts = attached_alerts(incident)
    watches = list({alert.watch_id: alert.watch for alert in alerts}.values())[:CHARTS]
    return {
        "incident": incident,
        "evidence_alerts": alerts,
        "evidence_charts": [{"watch": watch, "series": watch_series(watch=watch),
                             "element_id": f"series-{watch.pk}"} for watch in watches],
        "may_open_alerts": can_view_alerts(request.user),
    }


def register() -> None:
    panels.register(panels.RoomPanel(PANEL_ID, TEMPLATE, evidence_panel_context,
                                     position=120, label=gettext_lazy("Evidence"),
                                     assets=ASSETS))
