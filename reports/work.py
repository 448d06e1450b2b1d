"""What reports adds to a person's My work page: their open action items (overdue
flagged, overdue first), and where following a review notification lands."""

from django.urls import reverse

from teams import work
from teams.choices import NotificationKind

from . import selectors

SHOWN = 6
SECTION_ID = "my-action-items"


def review_url(incident_id: int) -> str:
    return reverse("crisis:incident-review", args=[incident_id])


def action_items_context(request) -> dict:
    """The count, how many are overdue, and the first few (three queries, whatever the
    user has)."""
    mine = selectors.my_open_action_items(user=request.user)
    count = mine.count()
    overdue = mine.filter(selectors.overdue_q()).count() if count else 0
    items = list(mine[:SHOWN]) if count else []
    for item in items:
        item.url = f"{review_url(item.review.incident_id)}#action-{item.pk}"
    return {"my_action_items": items, "my_action_items_count": count,
            "my_action_items_overdue": overdue}


def _review_landing(notification) -> str | None:
    return review_url(notification.incident_id) if notification.incident_id else None


def register() -> None:
    """Adds "My action items" to My work's side column (after the approval queue's)."""
    work.register(work.WorkSection(SECTION_ID, "reports/_work_action_items.html",
                                   action_items_context, column=work.SIDE, position=20))
    # Following a review's notification opens the review.
    for kind in (NotificationKind.ACTION_ITEM_OVERDUE, NotificationKind.REVIEW_SIGNED_OFF,
                 NotificationKind.REVIEW_PDF_READY):
        work.register_landing(kind, _review_landing)
