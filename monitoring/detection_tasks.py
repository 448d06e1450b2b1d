"""When detection runs: after ingest batches (debounced per watch), every minute, and the
baselines every hour.

After each ingested batch commits, ``monitoring.hooks.batch_ingested`` names the watches
whose buckets changed; ``on_batch_ingested`` schedules one evaluation per watch at most
every ``DEBOUNCE_SECONDS``: the first batch claims a cache key for the watch (``cache.add``)
and queues ``evaluate_watch`` with that countdown; batches arriving meanwhile find the key
and add nothing, and the evaluation, when it runs, reads every bucket written so far (it
frees the key first, so a batch landing during the evaluation queues the next one). A
storm of a thousand small batches is a few evaluations, and an alert is at most
``DEBOUNCE_SECONDS`` + one evaluation behind its mentions.

On the embedded default tasks run eagerly (no countdown): the first batch evaluates at
once and the key then throttles the watch for a moment; a batch arriving in that time
leaves one trailing look to a timer in the web process (``_look_again``, only where the
embedded clock runs, so never under tests or management commands), and the minute's
``evaluate_watches`` looks anyway.
"""

import datetime
import logging
import threading

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.utils import timezone

from .alerts import alert_update_from_evaluation
from .baseline import baselines_refresh
from .detection import evaluate, minute_floor
from .models import Alert, MentionBucket, Watch

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.5
RECENT_MINUTES = 180  # watches with buckets this recent (or a live alert) are looked at


def debounce_key(watch_id: int) -> str:
    return f"monitoring:evaluate:{watch_id}"


def evaluate_and_alert(watch_id: int):
    """Evaluate one watch now and update its spike alert; returns the evaluation."""
    evaluation = evaluate(watch_id=watch_id)
    alert_update_from_evaluation(evaluation)
    return evaluation


THROTTLE_SECONDS = max(DEBOUNCE_SECONDS * 4, 1)


def schedule_evaluation(watch_id: int) -> bool:
    """Queue an evaluation of the watch unless one is already queued (``True``: queued)."""
    if not cache.add(debounce_key(watch_id), 1, timeout=THROTTLE_SECONDS):
        if evaluate_watch.app.conf.task_always_eager and settings.EMBEDDED_CLOCK:
            _look_again(watch_id)
        return False
    evaluate_watch.apply_async(args=[watch_id], countdown=DEBOUNCE_SECONDS)
    return True


def _look_again(watch_id: int) -> None:
    """Embedded default: one more look at the watch once the throttle has passed (one timer
    per watch at a time), so the last batches of a burst are not left for the minute's
    look."""
    key = f"{debounce_key(watch_id)}:again"
    if not cache.add(key, 1, timeout=THROTTLE_SECONDS * 2):
        return

    def look() -> None:
        close_old_connections()
        try:
            cache.delete(key)
            evaluate_and_alert(watch_id)
        except Exception:
            logger.exception("Evaluating watch %s failed", watch_id)
        finally:
            close_old_connections()

    timer = threading.Timer(THROTTLE_SECONDS, look)
    timer.daemon = True
    timer.start()


def on_batch_ingested(sender, *, watch_ids, **kwargs) -> None:
    """``monitoring.hooks.batch_ingested`` receiver (sent after the batch commits)."""
    for watch_id in watch_ids:
        # robust: a broker that is down must not fail the ingest that already committed;
        # the minute's evaluate_watches looks at the watch anyway.
        transaction.on_commit(lambda watch_id=watch_id: schedule_evaluation(watch_id),
                              robust=True)


@shared_task(bind=True)
def evaluate_watch(self, watch_id: int) -> str:
    """Evaluate one watch (queued by ``schedule_evaluation``); returns the level found."""
    if not self.request.is_eager:
        cache.delete(debounce_key(watch_id))
    if not Watch.objects.filter(pk=watch_id, is_active=True).exists():
        return ""
    return evaluate_and_alert(watch_id).level


@shared_task
def evaluate_watches() -> int:
    """Every minute (beat): evaluate each active watch with recent buckets or a live
    alert; returns how many were looked at."""
    since = minute_floor(timezone.now()) - datetime.timedelta(minutes=RECENT_MINUTES)
    recent = set(MentionBucket.objects.filter(start__gte=since).values_list("watch_id",
                                                                             flat=True)
                 .distinct())
    recent |= set(Alert.objects.filter(last_matched_at__gte=since)
                  .values_list("watch_id", flat=True).distinct())
    watch_ids = list(Watch.objects.filter(pk__in=recent, is_active=True)
                     .values_list("pk", flat=True))
    for watch_id in watch_ids:
        evaluate_and_alert(watch_id)
    return len(watch_ids)


@shared_task
def refresh_baselines() -> int:
    """Every hour (beat): every active watch's baseline again from its buckets."""
    return baselines_refresh()
