"""Background work of the post-incident review: rendering its PDF (``reports.pdf``) and
telling owners of their overdue action items."""

from celery import shared_task

from . import pdf, services
from .models import ReviewPdf


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def review_pdf_render(pdf_id: int) -> None:
    """Render one review PDF. Takes the row's id; a delivery after it is ready (the broker
    handing the task out again after a worker died) does nothing; an error is recorded on
    the row (status failed), not retried: asking for the PDF again queues it anew."""
    row = ReviewPdf.objects.filter(pk=pdf_id).first()
    if row is not None:
        pdf.render_review_pdf(row)


@shared_task(ignore_result=True)
def notify_overdue_action_items() -> int:
    """Tell the owner of each overdue action item, once (``services.
    action_items_overdue_sweep``; every five minutes under beat or the embedded clock)."""
    return services.action_items_overdue_sweep()
