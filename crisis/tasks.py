from celery import shared_task
from django.utils import timezone

from .choices import UNFINISHED_TASK_STATUSES
from .models import Task
from .services import task_mark_overdue_notified


@shared_task
def notify_overdue_tasks() -> int:
    """Tell each owner once that their task is overdue (run every minute by beat)."""
    overdue = (
        Task.objects.filter(status__in=UNFINISHED_TASK_STATUSES, due_at__lt=timezone.now(),
                            overdue_notified_at__isnull=True, owner__isnull=False)
        .select_related("incident", "owner")
        .order_by("due_at")[:500]
    )
    return sum(task_mark_overdue_notified(task=task) for task in overdue)
