"""What comms adds to a person's My work page: the statements waiting for their decision."""

from django.urls import reverse

from teams import work
from teams.choices import NotificationKind

from . import selectors
from .review_views import statement_url

SHOWN = 5


def approvals_context(request) -> dict:
    """The count and the first few of ``approval_queue`` (a fixed number of queries)."""
    items = selectors.queue_items(user=request.user)
    for item in items[:SHOWN]:
        item.url = statement_url(item.statement)
    return {"approvals_waiting": items[:SHOWN], "approvals_count": len(items)}


def register() -> None:
    """Adds the approval queue's section to My work, at the top of its side column."""
    work.register(work.WorkSection("my-approvals", "comms/review/_my_work.html",
                                   approvals_context, column=work.SIDE, position=10))
    # "Waiting for your approval" (and its overdue reminder) opens the queue.
    work.register_landing(NotificationKind.APPROVAL_REQUESTED,
                          lambda notification: reverse("approval-queue"))
