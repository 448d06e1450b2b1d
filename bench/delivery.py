"""Stakeholder delivery at scale: one statement to 10,000 recipients, two Celery workers.

Issue 13: "one statement to 10,000 recipients over email (local SMTP sink) and webhook
(loopback receiver), two Celery workers on Redis: time until every delivery is final,
deliveries per second, peak memory, duplicates (must be 0), against the floor of the same
sends made by a bare asyncio/smtplib loop. Target ≥ 1,000 deliveries/s."

- **Data** (own database, ``BENCH_DATABASE_URL``, PostgreSQL): ``--recipients`` contacts
  in the customers group, half with an email address, half with a webhook address (one
  delivery each: 5,000 emails and 5,000 webhooks by default); an incident; each run a new
  statement, approved and published to the group on email and webhook through
  ``comms.delivery_services.statement_publish_to``, as the publish button does.
- **Receivers**, each its own process, started fresh for each run: an SMTP sink
  (aiosmtpd) counting messages per ``Message-ID``, and a webhook receiver (Twisted web,
  keep-alive) counting requests per ``Idempotency-Key``. Duplicates = messages or requests
  beyond the first per id.
- **The app**: two ``celery worker`` processes (prefork, ``--concurrency`` children each,
  the production Procfile's command) on ``REDIS_URL``, a queue of their own, DEBUG off.
  Timed from the publish call (which writes the deliveries and commits) until no delivery
  of the publication is queued or sending; deliveries/s over that time. Peak memory: the
  largest sum of resident memory of both workers' process trees, sampled every 0.2 s.
- **Floor**, same machine, same receivers (fresh ones): the very bytes the app sent
  (each delivery's email as built by ``comms.channels.email``, each webhook body and its
  signed headers), sent by a bare loop: ``smtplib`` over ``--floor-smtp`` connections in
  threads, and asyncio streams over ``--floor-http`` keep-alive connections, at once. No
  database, no broker, no rendering: what the receivers and the loopback allow.
- **CPU per delivery** (``cpu ms/d``): user + system time of the bench process and its
  children (workers with their pool children, the receivers) over the run, per delivery;
  PostgreSQL and Redis are not counted. On a shared machine this is the steadier figure:
  2 cores give at most 2,000 / (cpu ms/d) deliveries a second.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/crisisdesk_bench_delivery \\
    REDIS_URL=redis://127.0.0.1:6379/9 CRISISDESK_VAR_DIR=/tmp/cd-var-bench-delivery \\
        .venv/bin/python -m bench delivery [--recipients 10000] [--runs 1]
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import secrets
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from bench.harness import ensure_database, use_bench_database

BASE_DIR = Path(__file__).resolve().parent.parent
QUEUE = "crisisdesk-bench-delivery"
TARGET = 1_000  # deliveries per second
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)


# --- the receivers (each its own process: python -m bench delivery --sink smtp|http PORT) -----

def _report(counts: Counter) -> None:
    total = sum(counts.values())
    print(json.dumps({"received": total, "distinct": len(counts),
                      "duplicates": total - len(counts)}), flush=True)


def _smtp_sink(port: int) -> None:
    """aiosmtpd on ``port``: 250 to every message, counted per Message-ID."""
    from aiosmtpd.smtp import SMTP

    counts: Counter = Counter()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            found = MESSAGE_ID.search(envelope.original_content or envelope.content)
            counts[found.group(1) if found else b"(none)"] += 1
            return "250 OK"

    loop = asyncio.new_event_loop()
    handler = Handler()
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, hostname="bench-sink", loop=loop), "127.0.0.1", port,
        backlog=1024))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.run_forever()
    server.close()
    _report(counts)


def _http_sink(port: int) -> None:
    """Twisted web on ``port``: 200 to every POST, counted per Idempotency-Key."""
    from twisted.internet import reactor
    from twisted.web import resource, server

    counts: Counter = Counter()

    class Hook(resource.Resource):
        isLeaf = True

        def render_POST(self, request):
            request.content.read()
            counts[request.getHeader(b"idempotency-key")] += 1
            return b""

    class Site(server.Site):
        noisy = False

        def log(self, request):  # no access log
            pass

    reactor.listenTCP(port, Site(Hook()), backlog=1024, interface="127.0.0.1")
    reactor.addSystemEventTrigger("after", "shutdown", _report, counts)
    reactor.run()  # SIGTERM stops it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen, timeout: float = 20.0) -> None:
    if process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
            return


class Receivers:
    """The SMTP sink and the webhook receiver, started on the given ports; ``close()``
    stops them and answers their counts."""

    def __init__(self, smtp_port: int, http_port: int):
        self.ports = {"smtp": smtp_port, "http": http_port}
        self.processes = {kind: subprocess.Popen(
            [sys.executable, "-m", "bench", "delivery", "--sink", kind, str(port)],
            cwd=BASE_DIR, stdout=subprocess.PIPE, text=True, start_new_session=True)
            for kind, port in self.ports.items()}
        deadline = time.monotonic() + 20
        for port in self.ports.values():
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"no receiver on port {port}") from None
                    time.sleep(0.1)

    def close(self) -> dict[str, dict]:
        counts = {}
        for kind, process in self.processes.items():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            out, _ = process.communicate(timeout=30)
            counts[kind] = json.loads(out.strip().splitlines()[-1])
        return counts


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its children that have ended (the
    workers with their pool children, the receivers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime


# --- memory of a process tree -------------------------------------------------------------------

def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _tree(roots: list[int]) -> list[int]:
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry.name}/stat") as stat:
                parents[int(entry.name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo += [child for child, parent in parents.items() if parent == pid
                 and child not in found]
    return sorted(found)


class PeakMemory(threading.Thread):
    """Samples the resident memory of the process trees under ``roots`` every 0.2 s."""

    def __init__(self, roots: list[int]):
        super().__init__(daemon=True)
        self.roots, self.peak_kib, self.peak_processes = roots, 0, 0
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.2):
            pids = _tree(self.roots)
            self.peak_kib = max(self.peak_kib, sum(_rss_kib(pid) for pid in pids))
            self.peak_processes = max(self.peak_processes, len(pids))

    def stop(self) -> float:
        self.done.set()
        self.join()
        return self.peak_kib / 1024


# --- data ---------------------------------------------------------------------------------------

def seed(recipients: int, webhook_url: str):
    """The publisher, the incident, and ``recipients`` contacts in the customers group
    (even ones by email, odd ones by webhook at ``webhook_url``); reused when there."""
    from comms.models import Contact, Delivery, StakeholderGroup
    from crisis.models import Incident, IncidentType
    from crisis.services import incident_create
    from teams.models import User

    publisher, reviewer = (User.objects.get_or_create(
        username=f"bench-{name}", defaults={"is_superuser": True, "is_staff": True,
                                            "first_name": name.capitalize()})[0]
        for name in ("publisher", "reviewer"))
    incident = Incident.objects.filter(title="Bench delivery: K2 kettle recall").first()
    if incident is None:
        incident = incident_create(actor=publisher, title="Bench delivery: K2 kettle recall",
                                   type=IncidentType.objects.order_by("pk").first(),
                                   stakeholder_kinds=["customers"])
    Delivery.objects.filter(publication__statement__incident=incident).delete()
    customers = StakeholderGroup.objects.get(code="customers")
    bench = Contact.objects.filter(organisation="Bench delivery")
    if bench.count() != recipients:
        bench.delete()
        contacts = Contact.objects.bulk_create(
            (Contact(name=f"Recipient {n}", organisation="Bench delivery",
                     email=f"r{n}@bench.example" if n % 2 == 0 else "",
                     addresses={} if n % 2 == 0 else {"webhook": webhook_url},
                     language=("en", "zh-hant", "zh-hans")[n % 3])
             for n in range(recipients)), batch_size=2_000)
        Contact.groups.through.objects.bulk_create(
            (Contact.groups.through(contact_id=c.pk, stakeholdergroup_id=customers.pk)
             for c in contacts), batch_size=2_000)
    bench.filter(email="").update(addresses={"webhook": webhook_url})
    return (publisher, reviewer), incident, customers


def approved_statement(actors, incident, n: int):
    from comms import services
    from comms.choices import Decision

    publisher, reviewer = actors
    statement = services.statement_create(
        actor=publisher, incident=incident, kind="customer_notice", language="en",
        title=f"K2 kettle recall, notice {n}", audience=["customers"],
        body="Stop using your **K2** kettle and return it to any shop for a full refund.",
        what_happened="Some kettles of batch 42 can overheat.", when="Since 3 May.",
        where="Sold in Taiwan and Hong Kong.", who_is_affected="Owners of model K2.",
        what_we_do="We are recalling the batch.")
    services.statement_submit(actor=publisher, statement=statement)
    statement.refresh_from_db()
    while statement.status != "approved":
        services.statement_decide(actor=reviewer, statement=statement,
                                  decision=Decision.APPROVE,
                                  version=statement.current_version)
        statement.refresh_from_db()
    return statement


# --- the app: two workers -----------------------------------------------------------------------

def start_workers(count: int, concurrency: int, env: dict, logs: Path) -> list[subprocess.Popen]:
    from config.celery import app

    workers = []
    for n in range(count):
        log = open(logs / f"worker-{n}.log", "w")  # noqa: SIM115 (open while it runs)
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUE,
             "-c", str(concurrency), "-n", f"bench-delivery-{n}@%h", "-l", "warning",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True))
    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=0.5)) < count:
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            raise RuntimeError(f"the workers did not start; see {logs}")
    return workers


def run_app(*, recipients: int, workers: int, concurrency: int, env: dict, logs: Path,
            publisher, incident, group, n: int) -> dict:
    from comms import delivery_services
    from comms.models import Delivery

    statement = approved_statement(publisher, incident, n)
    publisher = publisher[0]
    receivers = Receivers(int(env["EMAIL_PORT"]), int(env["BENCH_WEBHOOK_PORT"]))
    processes = start_workers(workers, concurrency, env, logs)
    memory = PeakMemory([p.pid for p in processes])
    memory.start()
    cpu = cpu_seconds()
    try:
        started = time.perf_counter()
        publication = delivery_services.statement_publish_to(
            actor=publisher, statement=statement, groups=[group.pk],
            channels=["email", "webhook"])
        published = time.perf_counter() - started
        deliveries = Delivery.objects.filter(publication=publication)
        pending = deliveries.filter(status__in=["queued", "sending"])
        deadline = time.monotonic() + max(120, recipients / 20)
        while pending.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        peak = memory.stop()
        for process in processes:
            stop(process)
        received = receivers.close()
    cpu = cpu_seconds() - cpu
    statuses = Counter(deliveries.values_list("status", flat=True))
    total = sum(statuses.values())
    return {"publication": publication, "deliveries": total, "statuses": dict(statuses),
            "published_s": published, "seconds": elapsed, "rate": total / elapsed,
            "peak_mib": peak, "processes": memory.peak_processes, "received": received,
            "cpu_ms": cpu * 1000 / max(total, 1),
            "unfinished": statuses.get("queued", 0) + statuses.get("sending", 0)}


# --- the floor ----------------------------------------------------------------------------------

def floor_sends(publication) -> tuple[list, list]:
    """The bytes the app sent for ``publication``: (emails as (to, bytes)), (webhooks as
    (body, headers)), built by the app's own channel code."""
    from django.conf import settings

    from comms.channels import Message, email, webhook
    from comms.models import Delivery

    message = Message.of(publication)
    emails, hooks = [], []
    timestamp = str(int(time.time()))
    for delivery in (Delivery.objects.filter(publication=publication)
                     .select_related("contact").order_by("pk")):
        if delivery.channel == "email":
            emails.append((delivery.address, email.build(delivery, message).message()
                           .as_bytes(linesep="\r\n")))
        else:
            body = webhook.payload(message)
            hooks.append((body, {
                "Content-Type": "application/json; charset=utf-8",
                "X-CrisisDesk-Timestamp": timestamp,
                "X-CrisisDesk-Signature": webhook.signature(
                    secret=settings.CRISISDESK_WEBHOOK_SECRET, timestamp=timestamp, body=body),
                "Idempotency-Key": str(delivery.idempotency_key)}))
    return emails, hooks


async def _floor(emails, hooks, *, smtp_port: int, http_port: int, smtp_connections: int,
                 http_connections: int) -> None:
    def mail(chunk):
        with smtplib.SMTP("127.0.0.1", smtp_port) as connection:
            for to, data in chunk:
                connection.sendmail("crisisdesk@localhost", [to], data)

    async def post(chunk):
        reader, writer = await asyncio.open_connection("127.0.0.1", http_port)
        for body, headers in chunk:
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            writer.write(f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{http_port}\r\n{head}"
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            if not answer.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(answer[:40])
            length = re.search(rb"(?i)content-length:\s*(\d+)", answer)
            await reader.readexactly(int(length.group(1)) if length else 0)
        writer.close()

    await asyncio.gather(*(asyncio.to_thread(mail, emails[i::smtp_connections])
                           for i in range(smtp_connections)),
                         *(post(hooks[i::http_connections]) for i in range(http_connections)))


def run_floor(publication, args) -> dict:
    emails, hooks = floor_sends(publication)
    receivers = Receivers(_free_port(), _free_port())
    cpu = cpu_seconds()
    try:
        started = time.perf_counter()
        asyncio.run(_floor(emails, hooks, smtp_port=receivers.ports["smtp"],
                           http_port=receivers.ports["http"],
                           smtp_connections=args.floor_smtp, http_connections=args.floor_http))
        elapsed = time.perf_counter() - started
    finally:
        received = receivers.close()
    total = len(emails) + len(hooks)
    return {"deliveries": total, "seconds": elapsed, "rate": total / elapsed,
            "received": received, "cpu_ms": (cpu_seconds() - cpu) * 1000 / total}


# --- main ---------------------------------------------------------------------------------------

def _duplicates(received: dict) -> int:
    return sum(r["duplicates"] for r in received.values())


def main(argv: list[str]) -> None:
    if argv[:1] == ["--sink"]:
        {"smtp": _smtp_sink, "http": _http_sink}[argv[1]](int(argv[2]))
        return
    parser = argparse.ArgumentParser(prog="python -m bench delivery")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count(),
                        help="prefork children per worker (celery's default: the cores)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--floor-smtp", type=int, default=4, help="SMTP connections")
    parser.add_argument("--floor-http", type=int, default=32, help="HTTP connections")
    args = parser.parse_args(argv)

    url = use_bench_database()
    if not url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("python -m bench delivery needs BENCH_DATABASE_URL (PostgreSQL) and "
                 "REDIS_URL (the workers' broker)")
    smtp_port, http_port = _free_port(), _free_port()
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "CELERY_QUEUE": QUEUE, "CRISISDESK_CLOCK": "0", "LOG_LEVEL": "WARNING",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "EMAIL_USE_TLS": "0",
        "EMAIL_USE_SSL": "0", "BENCH_WEBHOOK_PORT": str(http_port),
        "CRISISDESK_WEBHOOK_ALLOW_PRIVATE": "1"})  # the loopback receiver
    ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from config.celery import app

    call_command("migrate", verbosity=0)
    os.environ["CRISISDESK_WEBHOOK_SECRET"] = settings.CRISISDESK_WEBHOOK_SECRET
    env = {**os.environ, "CRISISDESK_VAR_DIR": str(settings.VAR_DIR)}
    logs = Path(settings.VAR_DIR) / "bench-delivery"
    logs.mkdir(parents=True, exist_ok=True)
    app.control.purge()
    started = time.perf_counter()
    publisher, incident, group = seed(args.recipients, f"http://127.0.0.1:{http_port}/hook")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; broker: "
          f"{settings.CELERY_BROKER_URL}; {args.recipients} recipients (half email, half "
          f"webhook; {time.perf_counter() - started:.1f} s); {args.workers} workers × "
          f"{args.concurrency}; {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; logs in {logs}")
    header = (f"{'run':<34} {'deliveries':>10} {'seconds':>8} {'per s':>8} {'publish s':>9} "
              f"{'peak MiB':>8} {'cpu ms/d':>8} {'dupl.':>6}  statuses")
    print(header)
    apps = []
    for n in range(args.runs):
        result = run_app(recipients=args.recipients, workers=args.workers,
                         concurrency=args.concurrency, env=env, logs=logs,
                         publisher=publisher, incident=incident, group=group, n=n)
        apps.append(result)
        print(f"{f'app, run {n + 1}':<34} {result['deliveries']:>10} "
              f"{result['seconds']:8.2f} {result['rate']:8.0f} {result['published_s']:9.2f} "
              f"{result['peak_mib']:8.0f} {result['cpu_ms']:8.2f} "
              f"{_duplicates(result['received']):>6}  "
              f"{result['statuses']} received {result['received']}")
    floor = run_floor(apps[-1]["publication"], args)
    print(f"{'floor: bare smtplib + asyncio':<34} {floor['deliveries']:>10} "
          f"{floor['seconds']:8.2f} {floor['rate']:8.0f} {'':>9} {'':>8} {floor['cpu_ms']:8.2f} "
          f"{_duplicates(floor['received']):>6}  received {floor['received']}")
    best = max(apps, key=lambda r: r["rate"])
    print(f"\nbest app run: {best['rate']:.0f} deliveries/s = {best['rate'] / floor['rate']:.2f} "
          f"× the floor ({floor['rate']:.0f}/s); target {TARGET}/s: "
          f"{'met' if best['rate'] >= TARGET else 'MISSED'}; duplicates "
          f"{sum(_duplicates(r['received']) for r in apps)}, unfinished "
          f"{sum(r['unfinished'] for r in apps)}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main(sys.argv[1:])
