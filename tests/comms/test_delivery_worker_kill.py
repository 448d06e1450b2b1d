"""A Celery worker killed (SIGKILL) in the middle of a publication's batch, on Redis and
PostgreSQL: every delivery still ends final, and a receiver that follows the webhook's
documentation (act once per ``Idempotency-Key``) acts on each exactly once.

The workers are real ``celery worker`` processes on the test database; the receiver is a
loopback HTTP server in the test. Needs REDIS_URL and PostgreSQL (a worker in another
process shares neither the memory broker nor an in-process SQLite transaction): CI's
PostgreSQL + Redis lane runs it."""

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from comms import delivery_services, delivery_tasks
from comms.models import Contact, Delivery
from config.celery import app as celery_app
from tests.comms.test_delivery import approved, group  # noqa: F401 (approved: a fixture)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
                       reason="worker processes need Redis and PostgreSQL"),
]

BASE_DIR = Path(__file__).resolve().parents[2]
RECIPIENTS = 300
HOLD_AT = 150  # the receiver holds its answer to the 150th key until the worker is dead
STALE_SECONDS = 3.0


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # a batch's webhooks arrive together (5 would refuse some)


class IdempotentReceiver:
    """A webhook receiver as the README documents one: it checks the signature, acts on a
    key the first time it arrives and answers 2xx to a copy without acting again. Counts
    every request per key. The ``HOLD_AT``-th key it acts on is answered only once
    ``release`` is set: the sender has sent it and waits for the answer when it dies."""

    def __init__(self):
        self.requests: Counter = Counter()
        self.acted: Counter = Counter()
        self.bad_signatures = self.cut_short = 0
        self.holding, self.release = threading.Event(), threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died while sending it: nothing to act on
                    with receiver.lock:
                        receiver.cut_short += 1
                    return None
                key = self.headers["Idempotency-Key"]
                timestamp = self.headers["X-CrisisDesk-Timestamp"]
                expected = "sha256=" + hmac.new(
                    settings.CRISISDESK_WEBHOOK_SECRET.encode(),
                    timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, self.headers["X-CrisisDesk-Signature"]):
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    return self.answer(401)
                with receiver.lock:
                    receiver.requests[key] += 1
                    first = key not in receiver.acted
                    if first:
                        receiver.acted[key] += 1  # the receiver's action, once per key
                    hold = first and len(receiver.acted) == HOLD_AT
                if hold:
                    receiver.holding.set()
                    receiver.release.wait(30)
                self.answer(200)

            def answer(self, status):
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender died while waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def duplicates(self) -> int:
        """Requests that carried a key already acted on (dropped by the receiver)."""
        return sum(self.requests.values()) - sum(self.acted.values())

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = IdempotentReceiver()
    yield server
    server.close()


@pytest.fixture
def workers(tmp_path):
    """Start ``celery worker`` processes (solo pool) on the test database and REDIS_URL's
    broker; each one's log in tmp_path. Every one left is stopped afterwards, and the
    task the killed one held (unacknowledged in Redis) is removed."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    env = {**os.environ, "LOG_LEVEL": "WARNING",
           "DATABASE_URL": (f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}"
                            f":{db['PORT'] or 5432}/{db['NAME']}"),
           "CRISISDESK_VAR_DIR": str(settings.VAR_DIR),
           "CRISISDESK_WEBHOOK_SECRET": settings.CRISISDESK_WEBHOOK_SECRET,
           "CRISISDESK_WEBHOOK_ALLOW_PRIVATE": "1"}  # the loopback receiver
    started: list[subprocess.Popen] = []

    def start(name: str) -> subprocess.Popen:
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-n", f"{name}@%h", "-l", "warning",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        process.log = log
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.log.close()
    with celery_app.connection_for_write() as broker:
        client = broker.default_channel.client
        client.delete("unacked", "unacked_index", settings.CELERY_TASK_DEFAULT_QUEUE)


def wait_for(condition, timeout: float, what: str, logs: Path):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            states = Counter(Delivery.objects.values_list("status", "attempts", "last_error"))
            worker_logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}"
                                    for p in sorted(logs.glob("*.log")))
            pytest.fail(f"{what}: not within {timeout:.0f} s\n{states}\n{worker_logs}")
        time.sleep(0.1)


def test_a_worker_killed_mid_batch_leaves_every_delivery_final_and_acted_on_once(
        approved, officer, receiver, workers, celery_not_eager, tmp_path):  # noqa: F811
    """300 webhook deliveries; the worker is killed (SIGKILL) while the receiver holds its
    answer to the 150th, in the middle of a batch; a new worker takes over, and the sweep
    (with a 3 s stale threshold instead of ten minutes) puts the dead worker's claims back.

    What is promised, and what is not: a worker killed between a send and recording it
    leaves the row in ``sending``; the sweep sends it again with the same Idempotency-Key.
    So the receiver may see a key twice; a receiver that acts once per key, as documented,
    drops the copy. Results are recorded ``SENDERS`` (16) at a time, so the copies are at
    most the chunk that had gone out unrecorded. Asserted: every
    delivery ends sent; the receiver acted on every key exactly once; duplicate requests
    are at least one (the held one) and at most the rows in flight (``sending``) when the
    worker died; nothing was sent unsigned (a request cut short by the kill is not acted
    on)."""
    partners = group("partners")
    contacts = Contact.objects.bulk_create(
        Contact(name=f"Partner {n}", addresses={"webhook": receiver.url})
        for n in range(RECIPIENTS))
    Contact.groups.through.objects.bulk_create(
        Contact.groups.through(contact_id=c.pk, stakeholdergroup_id=partners.pk)
        for c in contacts)
    first = workers("first")
    publication = delivery_services.statement_publish_to(
        actor=officer, statement=approved, groups=[partners.pk], channels=["webhook"])
    deliveries = Delivery.objects.filter(publication=publication)
    assert deliveries.count() == RECIPIENTS

    wait_for(receiver.holding.is_set, 30, "the first worker sending", tmp_path)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed_at = time.monotonic()
    receiver.release.set()
    in_flight = deliveries.filter(status="sending").count()
    sent_before = deliveries.filter(status="sent").count()
    assert in_flight >= 1 and sent_before < HOLD_AT  # mid-batch, the held one unrecorded

    workers("second")
    time.sleep(max(0.0, killed_at + STALE_SECONDS - time.monotonic()))
    delivery_tasks.sweep_deliveries.delay(stale_after_seconds=STALE_SECONDS)  # as beat would
    wait_for(lambda: deliveries.filter(status="sent").count() == RECIPIENTS, 60,
             "every delivery sent after the sweep", tmp_path)

    keys = {str(key) for key in deliveries.values_list("idempotency_key", flat=True)}
    assert set(receiver.acted) == keys and set(receiver.acted.values()) == {1}
    assert 1 <= receiver.duplicates <= min(in_flight, delivery_tasks.SENDERS), (
        receiver.duplicates, in_flight)
    assert receiver.bad_signatures == 0
    assert 1 <= deliveries.filter(attempts=2).count() <= in_flight  # the swept ones
