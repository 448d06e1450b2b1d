"""A Celery worker is killed (SIGKILL) in the middle of a batch of notification emails
(issue 16, "nothing lost").

40 people are notified in one go (one ``deliver_notification_emails`` task). The mail
server, an SMTP sink in the test, holds its answer to the 20th message until the worker
sending it is dead, as if the worker died between sending and recording. A second worker
and the sweep (``sweep_unsent_notification_emails``, every 2 minutes under beat; its
"older than 2 minutes" is reached here by dating the notifications back) send what is
still owed. Asserted: everyone has their email, each notification is recorded as emailed,
and every copy sent again carries the Message-ID of the first, so a mail store that keeps
one message per id (as the sink does, like the webhook receiver of the delivery test)
holds exactly one per notification. The approach is tests/comms/test_delivery_worker_kill.py's.
"""

import asyncio
import email
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app as celery_app
from teams import services, tasks
from teams.choices import EmailNotifications, NotificationKind
from teams.models import Notification
from tests.faults.conftest import database_url, free_port, wait_until
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.worker

BASE_DIR = Path(__file__).resolve().parents[2]
RECIPIENTS = 40
HOLD_AT = 20
SWEEP_QUEUE = f"{settings.CELERY_TASK_DEFAULT_QUEUE}.faults-sweep"


class MailStore:
    """An SMTP server that keeps one message per Message-ID, as mail stores do, and counts
    every copy it was sent. It answers the ``HOLD_AT``-th message only once ``release`` is
    set: the sender has sent it and waits for the answer when it dies."""

    def __init__(self):
        self.copies: Counter = Counter()  # Message-ID -> messages received with it
        self.kept: dict[str, str] = {}  # Message-ID -> recipient
        self.holding, self.release = threading.Event(), threading.Event()
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        message_id = message["Message-ID"]
        with self.lock:
            self.copies[message_id] += 1
            self.kept.setdefault(message_id, envelope.rcpt_tos[0])
            hold = len(self.kept) == HOLD_AT and self.copies[message_id] == 1
        if hold:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        return "250 Message accepted for delivery"

    def per_recipient(self) -> dict[str, list[str]]:
        found = defaultdict(list)
        for message_id, recipient in self.kept.items():
            found[recipient].append(message_id)
        return found


@pytest.fixture
def mail_store():
    store = MailStore()
    store.controller.start()
    yield store
    store.release.set()
    store.controller.stop()


@pytest.fixture
def workers(transactional_db, mail_store, celery_not_eager, tmp_path):
    """Start ``celery worker`` processes (solo pool) on the test database and REDIS_URL's
    broker, mailing through the store; each one's log in tmp_path; every one left is
    stopped afterwards and the killed one's unacknowledged task removed from the broker."""
    env = {**os.environ, "LOG_LEVEL": "WARNING",
           "DATABASE_URL": database_url(connection.settings_dict),
           "CRISISDESK_VAR_DIR": str(settings.VAR_DIR),
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(mail_store.controller.port),
           "EMAIL_USE_TLS": "0", "EMAIL_TIMEOUT": "60"}
    started: list[subprocess.Popen] = []

    def start(name: str, queue: str = settings.CELERY_TASK_DEFAULT_QUEUE) -> subprocess.Popen:
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "-Q", queue, "-n", f"{name}@%h", "-l", "warning",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        process.log = log
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()  # idle by now: nothing to finish
            process.wait()
        process.log.close()
        print(f"--- {process.args[7]} log:\n{Path(process.log.name).read_text()[-3000:]}")
    with celery_app.connection_for_write() as broker:
        broker.default_channel.client.delete("unacked", "unacked_index",
                                             settings.CELERY_TASK_DEFAULT_QUEUE, SWEEP_QUEUE)


def test_a_worker_killed_mid_batch_leaves_every_notification_emailed_once(
        mail_store, workers):
    people = [UserFactory(email_notifications=EmailNotifications.ALL)
              for _ in range(RECIPIENTS)]
    first = workers("first")
    # The one that takes over, started now (a worker takes seconds to start); it listens on
    # a queue of its own, so the batch cannot go to it first.
    workers("second", queue=SWEEP_QUEUE)
    with transaction.atomic():  # the task is queued when this commits
        services.notification_send(recipients=people, kind=NotificationKind.MENTION,
                                   title="You were mentioned in the drill",
                                   dedupe_key="drill", actor=None)
    notifications = Notification.objects.filter(dedupe_key="drill")
    assert notifications.count() == RECIPIENTS

    wait_until(mail_store.holding.is_set, 60, "the first worker mailing the 20th person")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    mail_store.release.set()
    emailed = notifications.filter(emailed_at__isnull=False).count()
    assert HOLD_AT - 1 <= emailed < HOLD_AT + 1 and emailed < RECIPIENTS  # mid-batch

    # The sweep sends what is owed 2 minutes on (beat runs it every 2): date them back.
    notifications.update(created_at=timezone.now() - timedelta(minutes=3))
    tasks.sweep_unsent_notification_emails.apply_async(queue=SWEEP_QUEUE)  # as beat would
    wait_until(lambda: not notifications.filter(emailed_at__isnull=True).exists(), 60,
               "every notification emailed after the sweep")
    time.sleep(0.2)  # the last answer reaches the store's counters

    mailed = mail_store.per_recipient()
    assert {person.email for person in people} == set(mailed)
    assert all(len(ids) == 1 for ids in mailed.values()), mailed  # one message each
    assert set(mail_store.kept) == {tasks.message_id(n) for n in notifications}
    copies = sum(mail_store.copies.values()) - len(mail_store.kept)
    assert copies <= 1, mail_store.copies  # at most the one in flight was sent again
