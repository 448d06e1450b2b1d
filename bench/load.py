"""Load test (issue 16): a crisis team of 200 working the desk for 5 minutes, with Locust,
while 500 room websockets stay open — against the production stack.

What runs, all on this machine:

- **The stack** as deployed: ``honcho start web1 web2 worker beat`` on
  ``docs/deploy/Procfile`` (read at run time, so the bench follows whatever ASGI server it
  names), with an environment like ``/etc/crisisdesk/env`` (as scripts/smoke writes it):
  DEBUG=0, PostgreSQL (database ``crisisdesk_load``), Redis (db 8), two web processes on
  two ports, the Celery worker and beat. Whatever the run, every process it started is
  stopped at the end (process groups).
- **The desk**, seeded by ``bench.seed`` (reused when the counts match, refilled after a
  run has written into it): 5,000 incidents, 100,000 timeline entries, 20,000 tasks; the
  main crisis ("the room", critical, red, 40 tasks) holds 600 entries. The 200 seeded
  people make up its team (a lead, 159 writers in roles that contribute — scribe,
  spokesperson, communications officer, legal reviewer, executive sponsor, deputy — and 40
  observers), each also on two of nine other open incidents; role assignments and their
  rights as ``teams`` grants them (``incident_rights_sync``). Everyone has one password.
- **Locust** (``bench/locustfile.py``, a process of its own, headless): ``--users``
  members (200; ``--spawn-rate`` 2 a second) sign in through the login form, then for
  ``--duration`` (5 minutes, counted from the last sign-in), each pausing ``--wait-min`` to
  ``--wait-max`` seconds (10–30) between actions, do one of (weights): the incident list
  page (3), the ``/api/incidents/`` list (3), open a room (4: the page, then the panels it
  fetches once loaded; the main crisis 3 times in 4), open a task's forms (1), post a note
  with the room's composer (2), complete a task with its Done button (1) — the last two
  only for writers, as htmx posts with the CSRF header — or a floor request (1 each). Half
  the members use each web process. Each request's time is recorded exactly.
- **500 room websockets** (``--sockets``) on the main crisis, split over the two web
  processes, held by bench/fanout.py's load process (asyncio + ``websockets``) from before
  Locust starts until it ends. Every ``--probe-interval`` seconds this process commits a
  probe event into the room (``crisis.live.emit`` in a transaction, as the services do,
  through bench/fanout.py's emitter); its **frame delivery latency** is commit → frame
  received in the load process, over every socket × probe. The members' own notes and task
  changes reach the sockets too (counted as *other* frames).
- **Floors, in the same run**: among the members' requests, ``/healthz`` and a static file
  (whitenoise) on the same servers — what any request costs at that moment, queueing
  included; for frames, raw Redis pub/sub: a second load process holds ``--sockets`` Redis
  subscribers and this process PUBLISHes to them between the probes.

Reported: requests/s, per request type n, errors, p50/p95/p99/max; errors by cause (target:
none) and tracebacks in the servers' logs; frames received/expected, lost, sockets closed,
p50/p95/p99/max latency against the floor's; the machine's load (load average, CPU busy,
CPU seconds per process). The machine is shared: the load average before the run is
printed, say it with the figures.

    python -m bench load            # 200 members, 5 minutes, 500 sockets
    python -m bench load --quick    # a 30 s smoke run: 30 members, 100 sockets
"""

import argparse
import contextlib
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

from bench.fanout import (
    LiveEmitter,
    LoadProcess,
    RedisEmitter,
    _port_free,
    _with_path,
    clear_redis,
    raise_fd_limit,
    stop_process,
)
from bench.harness import Sample, collect_static, drop_database, ensure_database

DATABASE_NAME = "crisisdesk_load"
REDIS_DB = 8
BASE_DIR = Path(__file__).resolve().parent.parent
PROCFILE = BASE_DIR / "docs" / "deploy" / "Procfile"
PROCESSES = ("web1", "web2", "worker", "beat")
WRITER_ROLES = ("scribe", "communications_officer", "spokesperson", "legal_reviewer",
                "executive_sponsor")
OBSERVERS = 40
RAMP_UP_LIMIT = 900  # seconds; then --duration more whoever has signed in
OTHER_INCIDENTS = 9
STATIC_FILE = "css/crisisdesk.css"
SEED_PLAN = {"incidents": 5_000, "timeline": 100_000, "tasks": 20_000, "room_entries": 600}


# --- configuration ----------------------------------------------------------------------------

def bench_urls() -> tuple[str, str]:
    """PostgreSQL and Redis: BENCH_DATABASE_URL / BENCH_REDIS_URL, else database
    crisisdesk_load on DATABASE_URL's server and db 8 of REDIS_URL, else loopback."""
    database = os.environ.get("BENCH_DATABASE_URL") or _with_path(
        os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith(
            "postgres") else "postgres://crisisdesk@127.0.0.1:5432/", "/" + DATABASE_NAME)
    redis_url = os.environ.get("BENCH_REDIS_URL") or _with_path(
        os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/", f"/{REDIS_DB}")
    if not database.startswith("postgres"):
        sys.exit("load measures the production stack; BENCH_DATABASE_URL must be postgres://…")
    return database, redis_url


def production_env(database: str, redis_url: str, var_dir: Path, ports: list[int]) -> dict:
    """What /etc/crisisdesk/env holds in production (as scripts/smoke writes it), on
    loopback: plain HTTP, no TLS proxy in front; both web processes are one site."""
    origins = ",".join(f"http://127.0.0.1:{port}" for port in ports)
    return {
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": database,
        "REDIS_URL": redis_url, "CRISISDESK_VAR_DIR": str(var_dir),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "SITE_URL": f"http://127.0.0.1:{ports[0]}",
        "CSRF_TRUSTED_ORIGINS": origins, "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0", "PROXY_COUNT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "WEB1_PORT": str(ports[0]), "WEB2_PORT": str(ports[1]),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }


# --- the desk ---------------------------------------------------------------------------------

def prepare_desk(plan_counts: dict) -> dict:
    """Migrate, collect static files, seed; the team and its password. Returns what the
    locustfile and the sockets need."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.test import Client

    from bench.seed import Plan, seed
    from teams.models import User

    call_command("migrate", verbosity=0)
    collect_static()
    seconds, fresh = seed(Plan(**plan_counts))
    print(f"seed: {'seeded' if fresh else 'reused'} in {seconds:.1f} s "
          f"({', '.join(f'{k} {v:,}' for k, v in plan_counts.items())})", flush=True)
    room, others, accounts = assemble_team()
    password = secrets.token_urlsafe(12)
    User.objects.filter(username__in=[a["username"] for a in accounts]).update(
        password=make_password(password))  # one hash: each sign-in still checks it in full
    client = Client()
    socket_user = User.objects.get(username=accounts[1]["username"])
    client.force_login(socket_user, backend="core.auth.ModelBackend")
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return {"room": room, "others": [o.pk for o in others], "accounts": accounts,
            "password": password, "cookie": cookie}


def assemble_team():
    """The main crisis, nine other open incidents and their team (idempotent): returns the
    room, the others and the accounts (username, writer, other incidents)."""
    from django.db import transaction

    from bench.seed import ROOM_TITLE, bench_users
    from crisis.models import Incident
    from teams.models import Role, RoleAssignment
    from teams.services import incident_rights_sync

    reader, actors = bench_users()
    from teams.models import User

    people = [reader, *actors, *User.objects.filter(username__startswith="bench-person-")
              .order_by("username")]
    room = Incident.objects.get(title=ROOM_TITLE)
    others = list(Incident.objects.exclude(pk=room.pk)
                  .filter(status__in=["active", "contained"], is_drill=False)
                  .order_by("-created_at")[:OTHER_INCIDENTS])
    rng = random.Random(16)
    roles = {role.code: role for role in Role.objects.all()}
    writers = len(people) - OBSERVERS
    plan = []  # (incident, user, role code)
    for i, person in enumerate(people):
        code = ("lead" if i == 0 else "deputy" if i in (1, 2)
                else WRITER_ROLES[i % len(WRITER_ROLES)] if i < writers else "observer")
        mine = rng.sample(others, 2)
        plan.append((room, person, code))
        plan += [(incident, person, "observer" if code == "observer" else
                  "scribe" if code in ("lead", "deputy") else code) for incident in mine]
    for k, incident in enumerate(others):  # a lead on each, as every open incident has
        plan.append((incident, actors[k], "lead"))
    accounts = [{"username": person.username, "writer": i < writers,
                 "incidents": [inc.pk for inc, p, _ in plan if p is person and inc is not room]}
                for i, person in enumerate(people)]
    incidents = [room, *others]
    have = RoleAssignment.objects.filter(incident__in=incidents, ended_at__isnull=True)
    if have.count() != len(plan):
        with transaction.atomic():
            have.delete()
            RoleAssignment.objects.bulk_create(
                RoleAssignment(incident=incident, user=person, role=roles[code], note="",
                               assigned_at=incident.created_at)
                for incident, person, code in plan)
            for incident, person in {(i, p) for i, p, _ in plan}:
                incident_rights_sync(incident=incident, user=person)
    return room, others, accounts


# --- the stack --------------------------------------------------------------------------------

def start_stack(env: dict, logs: Path) -> subprocess.Popen:
    """honcho on docs/deploy/Procfile: web1, web2, the worker and beat."""
    env_file = logs / "env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    bin_dir = str(Path(sys.executable).parent)
    log = open(logs / "stack.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(Path(bin_dir) / "honcho"), "-f", str(PROCFILE), "-e", str(env_file), "start",
         "--no-colour", *PROCESSES], cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, **env, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"},
        start_new_session=True)
    return process


def wait_healthy(ports: list[int], stack: subprocess.Popen, logs: Path,
                 timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    for port in ports:
        while True:
            if stack.poll() is not None:
                raise RuntimeError(f"the stack exited: {tail(logs / 'stack.log')}")
            if _healthy(port):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"port {port}: no healthy answer in {timeout:.0f} s: "
                                   f"{tail(logs / 'stack.log')}")
            time.sleep(0.5)
    while "ready" not in (logs / "stack.log").read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise RuntimeError("the Celery worker did not say ready")
        time.sleep(0.5)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


def tail(path: Path, lines: int = 15) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


# --- measuring the machine -----------------------------------------------------------------------

def cpu_by_process(roots: dict[int, str], ports: list[int]) -> Counter:
    """CPU seconds used so far by the given processes and their descendants, by name (the
    stack's processes by their command line: web1, web2, worker, beat)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, used = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            parents[pid] = int(fields[1])
            used[pid] = (int(fields[11]) + int(fields[12])) / tick
    spent: Counter = Counter()
    for pid, seconds in used.items():
        ancestor = pid
        while ancestor not in roots and ancestor in parents and ancestor > 1:
            ancestor = parents[ancestor]
        if ancestor not in roots:
            continue
        name = roots[ancestor]
        if name == "stack":
            with contextlib.suppress(OSError):
                command = " ".join(Path(f"/proc/{pid}/cmdline").read_bytes().decode(
                    errors="replace").split("\0"))
                name = next((f"web{i + 1}" for i, port in enumerate(ports)
                             if f" {port} " in f" {command} "), None) or (
                    "worker" if " worker" in command else "beat" if " beat" in command
                    else "honcho")
        spent[name] += seconds
    return spent


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- the run ----------------------------------------------------------------------------------

def percentiles(values: list[float]) -> tuple[float, float, float, float]:
    if not values:
        return (float("nan"),) * 4
    sample = Sample("", values, 0)
    return sample.percentile(50), sample.percentile(95), sample.percentile(99), max(values)


def settle(load: LoadProcess, quiet: float = 2.0, limit: float = 120.0) -> dict:
    """Until no frame (presence announcements of the sockets joining) for ``quiet`` s."""
    started = time.monotonic()
    status = load.ask({"cmd": "status", "n": 0})
    while time.monotonic() - started < limit and status["quiet"] < quiet:
        time.sleep(0.5)
        status = load.ask({"cmd": "status", "n": 0})
    return status


def warm_up(load: LoadProcess, emitter, run: int) -> None:
    """One probe every open socket has received: each has joined the room's group."""
    emitter({"run": run, "n": -1})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = load.ask({"cmd": "status", "n": -1})
        if status["seen"] >= status["open"]:
            return
        time.sleep(0.1)


def drain(load: LoadProcess, expected: int, events: int, seconds: float = 15.0) -> None:
    last, changed = -1, time.monotonic()
    while time.monotonic() - changed < seconds:
        status = load.ask({"cmd": "status", "n": events - 1})
        if status["received"] >= expected:
            return
        if status["received"] != last:
            last, changed = status["received"], time.monotonic()
        time.sleep(0.1)


def latencies(report: dict, committed: dict[int, float]) -> list[float]:
    return [(received - committed[n]) * 1000 for frames in report["frames"]
            for n, received in frames if n in committed]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench load")
    parser.add_argument("--users", type=int, default=200, help="simulated members")
    parser.add_argument("--spawn-rate", type=float, default=2.0,
                        help="members starting (signing in) per second")
    parser.add_argument("--duration", type=int, default=300,
                        help="seconds of Locust once every member has signed in (the "
                             "ramp-up comes first)")
    parser.add_argument("--sockets", type=int, default=500, help="room websockets")
    parser.add_argument("--wait-min", type=float, default=10.0,
                        help="a member's pause between actions, at least (s)")
    parser.add_argument("--wait-max", type=float, default=30.0, help="… at most (s)")
    parser.add_argument("--probe-interval", type=float, default=0.5,
                        help="seconds between probe events (frame latency)")
    parser.add_argument("--quick", action="store_true",
                        help="a 30 s smoke run: 30 members (10/s) pausing 2-6 s, 100 sockets")
    parser.add_argument("--no-floor", action="store_true",
                        help="no raw Redis pub/sub floor for the frames")
    parser.add_argument("--port", type=int, default=8741, help="first web port")
    for key, value in SEED_PLAN.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=int, default=value,
                            help="seed: " + key.replace("_", " "))
    parser.add_argument("--drop", action="store_true",
                        help="drop the benchmark database afterwards")
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.spawn_rate, args.duration, args.sockets = 30, 10.0, 30, 100
        args.wait_min, args.wait_max = 2.0, 6.0

    database, redis_url = bench_urls()
    ports = []
    port = args.port
    while len(ports) < 2:
        if _port_free(port):
            ports.append(port)
        port += 1
    logs = Path(tempfile.mkdtemp(prefix="bench-load-"))
    var_dir = Path(os.environ.get("BENCH_VAR_DIR", BASE_DIR / "var" / "bench-load"))
    env = production_env(database, redis_url, var_dir, ports)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    raise_fd_limit()
    created = ensure_database(database)
    import django

    django.setup()
    load_before = os.getloadavg()
    desk = prepare_desk({key: getattr(args, key) for key in SEED_PLAN})
    clear_redis(redis_url)
    with open(PROCFILE) as procfile:
        web_command = next(line for line in procfile if line.startswith("web1:"))
    print(f"database: {database.split('@')[-1]}{' (created)' if created else ''}   redis: "
          f"{redis_url.split('@')[-1]}   ports {ports}   cpus {os.cpu_count()}   "
          f"load average before: {' '.join(f'{v:.1f}' for v in load_before)}")
    print(f"servers (docs/deploy/Procfile): {web_command.split(':', 1)[1].strip()}")
    print(f"{args.users} members ({args.spawn_rate:g}/s), {args.duration} s, pauses "
          f"{args.wait_min:g}-{args.wait_max:g} s; {args.sockets} sockets on room "
          f"{desk['room'].pk}; a probe every {args.probe_interval:g} s; logs {logs}",
          flush=True)

    stack = load = floor = locust = None
    floor_emitter = None
    from django.conf import settings
    from django.templatetags.static import static

    emitter = LiveEmitter(desk["room"], settings.CHANNEL_LAYER)
    try:
        stack = start_stack(env, logs)
        wait_healthy(ports, stack, logs)
        run, floor_run = random.randint(1, 2**31), random.randint(1, 2**31)
        load = LoadProcess({"kind": "ws", "clients": args.sockets, "run": run,
                            "concurrency": 50, "cookie": desk["cookie"],
                            "origin": f"http://127.0.0.1:{ports[0]}",  # or each its own:
                            "origins": [f"http://127.0.0.1:{p}" for p in ports],
                            "urls": [f"ws://127.0.0.1:{p}/ws/incidents/{desk['room'].pk}/"
                                     for p in ports]}, logs)
        ready = load.ask({"cmd": "connect"})
        print(f"sockets: {ready['open']} open, {ready['failed']} failed in "
              f"{ready['seconds']} s {ready['errors'][:2] or ''}", flush=True)
        settle(load)
        warm_up(load, emitter, run)
        if not args.no_floor:
            channel = f"bench.load.floor.{floor_run}"
            floor = LoadProcess({"kind": "redis", "clients": args.sockets, "run": floor_run,
                                 "concurrency": 50, "redis_url": redis_url,
                                 "channel": channel}, logs)
            floor.ask({"cmd": "connect"})
            floor_emitter = RedisEmitter(redis_url, channel)
        open_at_start = load.ask({"cmd": "status", "n": 0})["open"]

        config = {"accounts": desk["accounts"], "password": desk["password"],
                  "hosts": [f"http://127.0.0.1:{p}" for p in ports],
                  "main_room": desk["room"].pk, "static": static(STATIC_FILE),
                  "wait_min": args.wait_min, "wait_max": args.wait_max,
                  "samples": str(logs / "samples.json"), "users": args.users,
                  "all_signed_in": str(logs / "all-signed-in")}
        (logs / "locust.json").write_text(json.dumps(config))
        groups = {stack.pid: "stack", load.process.pid: "sockets (load process)"}
        if floor:
            groups[floor.process.pid] = "redis floor (load process)"
        locust_log = open(logs / "locust.log", "w")  # noqa: SIM115
        cpu_before, busy_before = cpu_by_process(groups, ports), machine_busy()
        started = time.time()
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(BASE_DIR / "bench" / "locustfile.py"),
             "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--stop-timeout", "30", "--only-summary",
             "--host", config["hosts"][0], "--loglevel", "WARNING"],
            cwd=BASE_DIR, env={**os.environ, "LOAD_CONFIG": str(logs / "locust.json")},
            stdout=locust_log, stderr=subprocess.STDOUT, start_new_session=True)
        groups[locust.pid] = "locust"
        committed, floor_committed, loads = {}, {}, []
        n, next_at, stop_at = 0, time.monotonic(), None
        marker = Path(config["all_signed_in"])
        while locust.poll() is None:
            # --duration from when every member has signed in (the ramp-up takes as long
            # as the sign-ins do), then Locust is told to stop (SIGTERM: it quits cleanly).
            if stop_at is None and marker.exists():
                stop_at = time.monotonic() + args.duration
            elif stop_at is None and time.time() - started > RAMP_UP_LIMIT:
                print(f"not every member signed in within {RAMP_UP_LIMIT} s", flush=True)
                stop_at = time.monotonic() + args.duration
            if stop_at is not None and time.monotonic() >= stop_at:
                locust.terminate()
                stop_at = float("inf")
            committed[n], _ = emitter({"run": run, "n": n})
            if floor_emitter:
                time.sleep(args.probe_interval / 2)
                floor_committed[n], _ = floor_emitter({"run": floor_run, "n": n})
            if n % max(1, int(10 / args.probe_interval)) == 0:
                loads.append(os.getloadavg()[0])
                cpu_mid = cpu_by_process(groups, ports)  # locust's own, before it ends
            n += 1
            next_at += args.probe_interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        elapsed = time.time() - started
        cpu_after, busy_after = cpu_by_process(groups, ports), machine_busy()
        cpu_after["locust"] = max(cpu_after["locust"], cpu_mid["locust"])
        drain(load, open_at_start * len(committed), len(committed))
        report = load.ask({"cmd": "finish"})
        floor_report = None
        if floor:
            drain(floor, args.sockets * len(floor_committed), len(floor_committed))
            floor_report = floor.ask({"cmd": "finish"})
    finally:
        emitter.close()
        if floor_emitter:
            floor_emitter.close()
        for process in (locust, stack):
            if process is not None:
                stop_process(process, timeout=15)
        for helper in (load, floor):
            if helper is not None:
                helper.stop()
        if args.drop:
            drop_database(database)

    print_report(args, logs, elapsed, started, committed, report, open_at_start, floor_committed,
                 floor_report, loads, load_before, cpu_before, cpu_after,
                 (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1]))


def request_table(title: str, rows_by_name: dict[str, list], seconds: float) -> None:
    print(f"{title:<28} {'n':>6} {'req/s':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8}")
    order = sorted(rows_by_name, key=lambda k: (k.startswith("floor"), k.startswith("sign in"),
                                                k))
    for name in order:
        rows = rows_by_name[name]
        p50, p95, p99, top = percentiles([ms for ms, _ in rows])
        print(f"{name:<28} {len(rows):>6} {len(rows) / seconds:6.1f} "
              f"{sum(1 for _, e in rows if e):>6} {p50:8.1f} {p95:8.1f} {p99:8.1f} {top:8.1f}")


def print_report(args, logs, elapsed, started, committed, report, open_at_start,
                 floor_committed, floor_report, loads, load_before, cpu_before, cpu_after,
                 busy) -> None:
    samples = json.loads((logs / "samples.json").read_text())
    total = len(samples)
    errors = Counter((name, error) for name, _at, _ms, error in samples if error)
    # The steady state: once every member has signed in (the last sign-in answered).
    signed_in = max((at + ms / 1000 for name, at, ms, _ in samples if name == "sign in: POST"),
                    default=started)
    ended = max((at + ms / 1000 for _, at, ms, _ in samples), default=started + elapsed)
    steady: dict[str, list] = {}
    ramp: dict[str, list] = {}
    for name, at, ms, error in samples:
        (steady if at >= signed_in else ramp).setdefault(name, []).append((ms, error))
    print(f"\nrequests: {total:,} in {elapsed:.0f} s = {total / elapsed:.1f}/s; errors: "
          f"{sum(errors.values())}")
    request_table(f"ramp-up: {signed_in - started:.0f} s", ramp, max(1, signed_in - started))
    steady_s = max(1.0, ended - signed_in)
    print(f"steady state: {sum(map(len, steady.values())):,} requests in {steady_s:.0f} s = "
          f"{sum(map(len, steady.values())) / steady_s:.1f}/s")
    request_table("steady state (all signed in)", steady, steady_s)
    for (name, error), count in errors.most_common(10):
        print(f"  error ×{count}: {name}: {error}")
    stack_log = (logs / "stack.log").read_text(errors="replace")
    tracebacks = stack_log.count("Traceback (most recent call last)")
    problems = [line for line in stack_log.splitlines()
                if re.search(r"\b(ERROR|CRITICAL)\b|Traceback", line)]
    print(f"server logs: {tracebacks} tracebacks, {len(problems)} ERROR/CRITICAL lines"
          + "".join(f"\n  {line[:220]}" for line in problems[:5]))

    frames = latencies(report, committed)
    steady_frames = latencies(report, {n: at for n, at in committed.items() if at >= signed_in})
    expected = open_at_start * len(committed)
    print(f"\nframes: {len(committed)} probes × {open_at_start} sockets open at the start")
    print(f"{'':<28} {'received':>16} {'lost':>6} {'closes':>6} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8}")
    p50, p95, p99, top = percentiles(frames)
    print(f"{'room sockets (commit→frame)':<28} {len(frames):>7}/{expected:<8} "
          f"{expected - len(frames):>6} {report['closes']:>6} {p50:8.1f} {p95:8.1f} "
          f"{p99:8.1f} {top:8.1f}")
    s50, s95, s99, stop = percentiles(steady_frames)
    print(f"{'  of which steady state':<28} {len(steady_frames):>7} {'':>15} {s50:8.1f} "
          f"{s95:8.1f} {s99:8.1f} {stop:8.1f}")
    if floor_report:
        floor_frames = latencies(floor_report, floor_committed)
        floor_expected = args.sockets * len(floor_committed)
        f50, f95, f99, ftop = percentiles(floor_frames)
        print(f"{'floor: raw Redis pub/sub':<28} {len(floor_frames):>7}/{floor_expected:<8} "
              f"{floor_expected - len(floor_frames):>6} {floor_report['closes']:>6} "
              f"{f50:8.1f} {f95:8.1f} {f99:8.1f} {ftop:8.1f}")
        print(f"p99 / floor p99: {p99 / f99:.1f}")
    if report.get("errors"):
        print(f"  sockets: {report['errors'][:3]}")
    spent = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
    print(f"\nmachine: load average before {load_before[0]:.1f}, during "
          f"{min(loads, default=0):.1f}-{max(loads, default=0):.1f}; CPUs busy {busy:.0%} of "
          f"{os.cpu_count()} over the run")
    print("CPU seconds during the run: " + ", ".join(
        f"{name} {seconds:.0f}" for name, seconds in sorted(spent.items(), key=lambda i: -i[1])
        if seconds >= 0.5))
    print(f"logs: {logs}")
