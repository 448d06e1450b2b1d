"""Seed the benchmark database with a realistic crisis desk: incidents, timelines, tasks.

Fast and idempotent: when the counts already match, the data is reused; otherwise the
incident tables are emptied and refilled. PostgreSQL is filled with COPY (about 240,000
rows/s here), SQLite with bulk_create. Distributions are fixed by a seeded random
generator, so two runs with the same counts hold the same data.
"""

import itertools
import json
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

ROOM_TITLE = "Bench room: battery fire video spreads"
PEOPLE = 200  # active people, the reader and the forty who write the timelines included
SEED = 20261122

PRODUCTS = ["Aurora X2 phone", "Kettle Pro", "SmartHub", "Nimbus laptop", "Breeze fan",
            "Atlas e-bike", "Vita baby formula", "CloudSync app", "Pulse watch", "Orbit router"]
PROBLEMS = ["battery swelling reports", "recall rumour", "outage complaints",
            "data leak claim", "misleading ad backlash", "safety recall request",
            "supplier labour allegation", "executive remark criticised", "price error",
            "contamination claim", "fake discount accusation", "service disruption"]
REGIONS = ["Taipei", "Shanghai", "Hong Kong", "Singapore", "Berlin", "London", "Austin",
           "São Paulo", "Sydney", "Osaka"]
TAGS = ["social", "press", "regulator", "kol", "weibo", "x", "forum", "recall", "legal",
        "customer-care"]
TASK_TITLES = ["Draft holding statement", "Brief the spokesperson", "Check facts with QA",
               "Notify the regulator", "Prepare customer-care script", "Monitor social channels",
               "Legal review of wording", "Inform key accounts", "Update the FAQ page",
               "Collect evidence", "Brief the executives", "Review ad creatives"]
ROLES = ["Spokesperson", "Crisis lead", "Legal counsel", "Social media lead", "Scribe"]
NOTE_BODIES = ["Video reposted by a large account; views climbing.",
               "QA confirms the batch number is genuine.",
               "Journalist from a national daily asked for comment.",
               "Customer-care volume up threefold since the morning.",
               "Regulator acknowledged our notice.", "Sentiment turning neutral.",
               "Decided to hold the statement until QA reports back.",
               "Influencer deleted the original post."]

# (value, weight)
SEVERITIES = [("low", 35), ("medium", 40), ("high", 18), ("critical", 7)]
STATUSES = [("closed", 85), ("triage", 3), ("active", 6), ("contained", 3), ("recovering", 3)]
LEVELS = {"low": [("", 80), ("blue", 20)],
          "medium": [("", 45), ("blue", 30), ("yellow", 25)],
          "high": [("", 15), ("yellow", 35), ("orange", 40), ("red", 10)],
          "critical": [("", 5), ("orange", 45), ("red", 50)]}
FILLER_KINDS = [("note", 40), ("task", 20), ("escalation", 8), ("decision", 8),
                ("statement", 6), ("key_moment", 5), ("alert", 5), ("role", 4),
                ("classification", 4)]
OPEN_TASK_STATUSES = [("open", 35), ("in_progress", 30), ("blocked", 5), ("done", 30)]
LIFECYCLE = ["triage", "active", "contained", "recovering", "closed"]
STAMPS = {"active": "acknowledged_at", "contained": "contained_at",
          "recovering": "resolved_at", "closed": "closed_at"}


@dataclass(frozen=True)
class Plan:
    incidents: int
    timeline: int
    tasks: int
    room_entries: int


def pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def spread(rng: random.Random, total: int, parts: int, minimums: list[int]) -> list[int]:
    """``total`` split over ``parts`` with a long tail (a few busy incidents, most quiet),
    each at least its minimum; the sum is exact."""
    weights = [rng.lognormvariate(0, 0.9) for _ in range(parts)]
    spare = total - sum(minimums)
    if spare < 0:
        raise SystemExit(f"{total} rows are too few for {parts} incidents' required entries")
    scale = spare / sum(weights)
    counts = [low + int(w * scale) for low, w in zip(minimums, weights, strict=True)]
    for i in rng.sample(range(parts), total - sum(counts)):
        counts[i] += 1
    return counts


def chunked(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def insert(model, objects: Iterable) -> int:
    """Insert model instances as fast as the database allows; pks come from the sequence."""
    from django.db import connection

    if connection.vendor != "postgresql":
        count = 0
        for chunk in chunked(objects, 5000):
            model.objects.bulk_create(chunk)
            count += len(chunk)
        return count
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        copy_sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for obj in objects:
                row = []
                for f in fields:
                    value = getattr(obj, f.attname)
                    if f.get_internal_type() == "JSONField":
                        value = json.dumps(value, cls=f.encoder)
                    else:
                        value = f.get_db_prep_save(value, connection)
                    row.append(value)
                copy.write_row(row)
                count += 1
    return count


def seeded(plan: Plan) -> bool:
    from crisis.models import Incident, Task, TimelineEntry

    room = Incident.objects.filter(title=ROOM_TITLE).first()
    return (room is not None
            and Incident.objects.count() == plan.incidents
            and TimelineEntry.objects.count() == plan.timeline
            and Task.objects.count() == plan.tasks
            and room.timeline.count() == plan.room_entries)


def wipe() -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from crisis.models import ChecklistItem, Incident, LiveEvent, Task, TaskComment, TimelineEntry

    tables = [m._meta.db_table for m in (Incident, TimelineEntry, Task, ChecklistItem,
                                         TaskComment, LiveEvent)]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True,
                                          allow_cascade=True)
    with transaction.atomic():
        connection.ops.execute_sql_flush(statements)


def bench_users():
    """The benchmark's reader (a crisis lead), forty colleagues who write the timelines and
    more who only read, ``PEOPLE`` in all."""
    from django.contrib.auth.models import Permission

    from crisis.permissions import ADD_INCIDENT, CONTRIBUTE, MANAGE_INCIDENT
    from teams.models import User

    reader, _ = User.objects.get_or_create(username="bench", defaults={"first_name": "Bench"})
    codenames = [name.split(".")[1] for name in (ADD_INCIDENT, MANAGE_INCIDENT, CONTRIBUTE)]
    reader.user_permissions.add(*Permission.objects.filter(content_type__app_label="crisis",
                                                           codename__in=codenames))
    actors = [User.objects.get_or_create(
        username=f"bench-actor-{i:02d}",
        defaults={"first_name": f"Actor{i:02d}", "last_name": "Bench"})[0] for i in range(40)]
    _colleagues(PEOPLE - 1 - len(actors))
    return reader, actors


def _colleagues(count: int) -> None:
    """People who write nothing but may view the room and be given its tasks: the room's
    owner lists hold ``PEOPLE`` people (the issue's figure), not only the writers."""
    from teams.models import User

    wanted = {f"bench-person-{i:03d}" for i in range(count)}
    have = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    User.objects.bulk_create(
        User(username=name, first_name=f"Person{name[-3:]}", last_name="Bench")
        for name in sorted(wanted - have))


def seed(plan: Plan) -> tuple[float, bool]:
    """Make the database hold ``plan``; returns (seconds, whether it was (re)seeded)."""
    from django.db import connection, transaction

    started = time.perf_counter()
    reader, actors = bench_users()
    if seeded(plan):
        return time.perf_counter() - started, False
    wipe()
    with transaction.atomic():
        _fill(plan, reader, actors)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would
    return time.perf_counter() - started, True


def _fill(plan: Plan, reader, actors) -> None:
    from django.utils import timezone

    from crisis.models import ChecklistItem, Incident, IncidentType, Task, TimelineEntry

    rng = random.Random(SEED)
    now = timezone.now()
    types = list(IncidentType.objects.filter(is_active=True))
    type_weights = [max(1, 12 - i) for i in range(len(types))]  # common kinds listed first

    # --- incidents ------------------------------------------------------------------------
    incidents = []
    for i in range(plan.incidents):
        room = i == plan.incidents - 1  # the newest
        status = "active" if room else pick(rng, STATUSES)
        severity = "critical" if room else pick(rng, SEVERITIES)
        level = "red" if room else pick(rng, LEVELS[severity])
        age = (timedelta(hours=6) if room
               else timedelta(days=rng.uniform(0, 30)) if status != "closed"
               else timedelta(days=rng.uniform(2, 3 * 365)))
        created = now - age
        product, problem, region = (rng.choice(PRODUCTS), rng.choice(PROBLEMS),
                                    rng.choice(REGIONS))
        incident = Incident(
            title=ROOM_TITLE if room else f"{product}: {problem} in {region}",
            summary=(f"{problem.capitalize()} about the {product}, first seen in {region}. "
                     f"{rng.choice(NOTE_BODIES)}"),
            type=rng.choices(types, type_weights)[0],
            origin="internal" if rng.random() < 0.15 else "external",
            severity=severity,
            confidentiality=pick(rng, [("internal", 85), ("restricted", 12),
                                       ("confidential", 3)]),
            stakeholder_kinds=rng.sample(["customers", "employees", "media", "regulators",
                                          "investors", "partners"], rng.randint(1, 3)),
            affected_products=[product],
            affected_regions=rng.sample(REGIONS, rng.randint(1, 2)),
            tags=rng.sample(TAGS, rng.randint(0, 3)),
            is_drill=not room and rng.random() < 0.05,
            warning_level=level, warning_level_auto=level if rng.random() < 0.5 else "",
            warning_level_manual=level,
            status=status, detected_at=created - timedelta(minutes=rng.randint(5, 240)),
            created_by=reader if rng.random() < 0.1 else rng.choice(actors),
            created_at=created, updated_at=created,
        )
        step = created
        for reached in LIFECYCLE[1:LIFECYCLE.index(status) + 1]:
            step += timedelta(hours=rng.uniform(0.2, 48))
            setattr(incident, STAMPS[reached], min(step, now))
        incident.updated_at = min(step, now)
        incidents.append(incident)
    insert(Incident, incidents)
    for incident, pk in zip(incidents, Incident.objects.order_by("pk").values_list("pk", flat=True),
                            strict=True):
        incident.pk = incident.id = pk

    # --- tasks ----------------------------------------------------------------------------
    room_tasks = min(40, plan.tasks)
    counts = [*spread(rng, plan.tasks - room_tasks, len(incidents) - 1,
                      [0] * (len(incidents) - 1)), room_tasks]
    tasks = []
    for incident, count in zip(incidents, counts, strict=True):
        closed = incident.status == "closed"
        for position in range(count):
            status = (pick(rng, [("done", 90), ("waived", 10)]) if closed
                      else pick(rng, OPEN_TASK_STATUSES))
            due = (incident.created_at + timedelta(hours=rng.uniform(0.5, 48)) if closed
                   else now + timedelta(hours=rng.uniform(-48, 120)))  # some overdue
            owner = rng.choice(actors) if rng.random() < 0.6 else None
            tasks.append(Task(
                incident=incident, position=(position + 1) * 10,
                title=rng.choice(TASK_TITLES), description="Seeded for the benchmark.",
                owner=owner, owner_role="" if owner else rng.choice(ROLES), due_at=due,
                status=status, status_reason="Not needed here." if status == "waived" else "",
                completed_at=due if status in ("done", "waived") else None,
                created_at=incident.created_at))
    insert(Task, tasks)
    by_incident: dict[int, list[Task]] = {}
    for task, pk in zip(tasks, Task.objects.order_by("pk").values_list("pk", flat=True),
                        strict=True):
        task.pk = task.id = pk
        by_incident.setdefault(task.incident_id, []).append(task)
    insert(ChecklistItem, (
        ChecklistItem(task=task, position=n, text=f"Step {n + 1}", done=rng.random() < 0.3)
        for task in tasks if task.status in ("open", "in_progress", "blocked")
        for n in range(rng.randint(0, 3))))

    # --- timeline -------------------------------------------------------------------------
    required = [1 + LIFECYCLE.index(i.status) for i in incidents]  # created + each status
    room_entries = max(plan.room_entries, required[-1])
    counts = [*spread(rng, plan.timeline - room_entries, len(incidents) - 1, required[:-1]),
              room_entries]
    insert(TimelineEntry, (
        entry for incident, count in zip(incidents, counts, strict=True)
        for entry in _timeline(rng, incident, count, actors, by_incident.get(incident.pk, []),
                               now)))


def _timeline(rng, incident, count, actors, tasks, now) -> Iterator:
    from crisis.models import TimelineEntry

    end = incident.closed_at or now
    span = max((end - incident.created_at).total_seconds(), 60.0)
    fixed: list[tuple[datetime, str, dict, str]] = [
        (incident.created_at, "created", {"severity": incident.severity,
                                          "type": str(incident.type)}, "")]
    for before, reached in itertools.pairwise(LIFECYCLE[:LIFECYCLE.index(incident.status) + 1]):
        fixed.append((getattr(incident, STAMPS[reached]), "status",
                      {"from": before, "to": reached}, ""))
    times = sorted(incident.created_at + timedelta(seconds=rng.uniform(1, span))
                   for _ in range(count - len(fixed)))
    rows = fixed + [(when, *_filler(rng, incident, tasks)) for when in times]
    rows.sort(key=lambda row: row[0])
    for when, kind, data, body in rows:
        yield TimelineEntry(
            incident=incident, kind=kind, data=data, body=body, created_at=when,
            actor=None if kind == "alert" else rng.choice(actors),
            pinned=kind in ("decision", "key_moment") and rng.random() < 0.2)


def _filler(rng, incident, tasks) -> tuple[str, dict, str]:
    kind = pick(rng, FILLER_KINDS)
    if kind == "task" and tasks:
        task = rng.choice(tasks)
        return kind, {"task": task.pk, "title": task.title, "from": "open",
                      "to": task.status}, ""
    if kind == "escalation":
        return kind, {"severity": ["medium", incident.severity], "direction": "up",
                      "override": False}, "Coverage spreading."
    if kind == "statement":
        return kind, {"statement": rng.randint(1, 500), "published": rng.random() < 0.5}, \
            "Holding statement v2"
    if kind == "alert":
        return kind, {"rule": "mention_spike", "level": incident.warning_level or "yellow",
                      "mentions": rng.randint(50, 5000)}, "Mention spike detected."
    if kind == "role":
        return kind, {"role": rng.choice(ROLES), "user": "Actor Bench"}, ""
    if kind == "classification":
        return kind, {"tags": [[], rng.sample(TAGS, 2)]}, ""
    return ("note" if kind == "task" else kind), {}, rng.choice(NOTE_BODIES)
