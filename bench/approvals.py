"""Statements and their approval: the reviewer's queue, a statement with its diff, approve.

Issue 12's benchmark: "10,000 statements with 40,000 versions across 2,000 incidents; p95
of the approval queue API and page for a reviewer on 200 incidents, of the statement detail
with diff, and of ``approve`` itself, with query counts (flat in the number of
statements). Target: p95 <= 50 ms for the queue, <= 100 ms for approve."

Seeds the incident_list desk at 2,000 incidents (reused when there), then statements the
way the services leave them (``bench.approvals.seed_statements``; COPY on PostgreSQL):
versions with their real SHA-256 (``comms.models.content_hash``), review stages copied
from the shipped approval policies for each round, decisions (voided ones on older
versions, approvals, requests for changes, rejections), publications and comments; and
the team roles as the app grants them (``RoleAssignment`` plus the guardian rows their
rights make). The reviewer holds ``legal_reviewer`` on 200 incidents, a second reviewer on
20 of them (the query counts of the two must be equal), a third on the same 200 and in the
Legal reviewers capability (the queue must then also find the stages nobody but the
authors could decide). ``approve`` is measured on a pool of fresh in-review statements of
50 other incidents, one statement per request; the data is reseeded when the pool runs low.

Every figure is printed beside a floor measured in the same run: the same rows read (or the
same decision written) by hand-written SQL through a psycopg connection of its own.
"""

import argparse
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from bench.harness import (
    TABLE_HEADER,
    Sample,
    disable_api_throttling,
    drop_database,
    ensure_database,
    explain,
    measure,
    use_bench_database,
)

QUEUE_TARGET_MS, APPROVE_TARGET_MS = 50.0, 100.0
SEED = 20261126
REVIEWER, FEW, CAPABLE, APPROVER = ("bench-legal", "bench-legal-few", "bench-legal-capable",
                                    "bench-approver")
POOL_INCIDENTS = 50
# Team roles on every incident, held by the desk's forty actors (offsets into the list).
TEAM = (("lead", 0), ("communications_officer", 7), ("legal_reviewer", 13),
        ("executive_sponsor", 23))
KINDS = [("holding", 25), ("update", 20), ("media_response", 10), ("social_post", 10),
         ("customer_notice", 10), ("apology", 5), ("qa", 5), ("internal_memo", 10),
         ("regulator_notice", 5)]
LANGUAGES = [("en", 60), ("zh-hant", 25), ("zh-hans", 15)]
OPEN_STATUSES = [("draft", 25), ("in_review", 45), ("approved", 10), ("published", 15),
                 ("rejected", 3), ("withdrawn", 2)]
CLOSED_STATUSES = [("draft", 3), ("in_review", 1), ("approved", 3), ("published", 67),
                   ("rejected", 8), ("withdrawn", 8), ("superseded", 10)]
SENTENCES = {
    "en": ["We are aware of reports about the {p}.", "Our engineers are investigating.",
           "Customers in {r} may see delays.", "We will share an update within two hours.",
           "Safety is our first priority.", "Affected owners can contact customer care.",
           "We have paused shipments of the affected batch.",
           "An independent laboratory is testing samples.",
           "We apologise for the worry this has caused.",
           "The regulator has been informed."],
    "zh": ["我們已注意到有關{p}的報導。", "工程團隊正在調查。", "{r}的顧客可能會遇到延誤。",
           "我們將在兩小時內更新。", "安全是我們的首要考量。", "受影響的用戶可聯絡客服。",
           "我們已暫停受影響批次的出貨。", "獨立實驗室正在檢測樣本。",
           "我們為此造成的困擾致歉。", "我們已通知主管機關。"],
}


@dataclass(frozen=True)
class Shape:
    incidents: int
    statements: int
    versions: int
    sees: int  # incidents the reviewer holds legal_reviewer on
    few: int  # ... and the second reviewer
    pool: int  # fresh in-review statements kept for approve


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench approvals")
    parser.add_argument("--incidents", type=int, default=2_000)
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=40_000)
    parser.add_argument("--sees", type=int, default=200,
                        help="incidents the reviewer holds legal_reviewer on")
    parser.add_argument("--few", type=int, default=20,
                        help="incidents the second reviewer holds legal_reviewer on")
    parser.add_argument("--pool", type=int, default=700,
                        help="fresh in-review statements for approve (each request takes one)")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--budget", type=float, default=15.0,
                        help="seconds per request kind before stopping early (min 20 runs)")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN (ANALYZE, BUFFERS) the queries of 1 ms or more "
                             "(PostgreSQL)")
    parser.add_argument("--reseed", action="store_true",
                        help="seed the statements again even when the counts match")
    parser.add_argument("--drop", action="store_true",
                        help="drop the PostgreSQL benchmark database afterwards")
    args = parser.parse_args(argv)
    shape = Shape(incidents=args.incidents, statements=args.statements,
                  versions=args.versions, sees=args.sees, few=args.few, pool=args.pool)
    if not 0 < shape.few <= shape.sees <= shape.incidents - POOL_INCIDENTS:
        parser.error("need 0 < --few <= --sees <= --incidents - 50")
    if shape.versions < shape.statements:
        parser.error("every statement has at least one version")

    url = use_bench_database()
    created = ensure_database(url)
    import django

    django.setup()
    disable_api_throttling()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.seed import Plan, seed

    call_command("migrate", verbosity=0)
    desk = Plan(incidents=shape.incidents, timeline=shape.incidents * 10,
                tasks=shape.incidents * 2, room_entries=200)
    desk_s, desk_fresh = seed(desk)
    # approve through HTTP, the service and the floor: each its warm-up, a counted run and
    # the timed ones
    needed = 3 * (args.repeat + 4)
    comms_s, comms_fresh, rows = seed_statements(shape, needed=needed, force=args.reseed)
    print(f"database: {connection.vendor} {url.split('@')[-1]}"
          f"{' (created)' if created else ''}   DEBUG={settings.DEBUG}   notification e-mails: "
          + ("sent in the request (no REDIS_URL: Celery eager)"
             if settings.CELERY_TASK_ALWAYS_EAGER else "queued to Celery on Redis"))
    print(f"seed: desk of {desk.incidents:,} incidents {'seeded' if desk_fresh else 'reused'} "
          f"in {desk_s:.1f} s; statements {'seeded' if comms_fresh else 'reused'} in "
          f"{comms_s:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in rows.items()))

    from comms import selectors, services
    from comms.choices import Decision
    from comms.models import Statement
    from teams.models import User

    users = {name: User.objects.get(username=name)
             for name in (REVIEWER, FEW, CAPABLE, APPROVER)}
    queues = {name: selectors.approval_queue(user=users[name])
              for name in (REVIEWER, FEW, CAPABLE)}
    print("queue: " + ", ".join(f"{name} {len(items)} items" for name, items in queues.items())
          + f"   (reviewer: {sum(i.last_seen is not None for i in queues[REVIEWER])} with a "
            f"diff from the version last seen, {sum(i.overdue for i in queues[REVIEWER])} "
            f"overdue; capable: {sum(i.as_fallback for i in queues[CAPABLE])} as fallback)")
    if not queues[REVIEWER] or not queues[FEW]:
        raise SystemExit("the reviewers' queues are empty: the seeding is wrong")
    detail = (Statement.objects.filter(pk__in=[i.statement.pk for i in queues[REVIEWER]],
                                       current_version__gte=4)
              .order_by("-current_version", "pk").first())
    if detail is None:
        raise SystemExit("no statement in the reviewer's queue has 4 versions")

    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    floor = Floor(url)
    pool = iter(pool_statements(needed))

    many, few = f"{shape.sees}", f"{shape.few}"
    d = detail.pk
    # (key, label, reader, GET path and params | callable, target ms, floor key)
    requests = [
        ("sel", f"selector approval_queue, {many} incidents", REVIEWER,
         lambda: selectors.approval_queue(user=users[REVIEWER]), None, "queue"),
        ("sel_few", f"selector approval_queue, {few} incidents", FEW,
         lambda: selectors.approval_queue(user=users[FEW]), None, "queue_few"),
        ("api", f"API /api/approval-queue/, {many} incidents", REVIEWER,
         ("/api/approval-queue/", {}), QUEUE_TARGET_MS, "queue"),
        ("api_few", f"API /api/approval-queue/, {few} incidents", FEW,
         ("/api/approval-queue/", {}), QUEUE_TARGET_MS, "queue_few"),
        ("api_cap", f"API /api/approval-queue/, {many} + capability", CAPABLE,
         ("/api/approval-queue/", {}), QUEUE_TARGET_MS, "queue"),
        ("page", f"page /approvals/, {many} incidents", REVIEWER, ("/approvals/", {}),
         QUEUE_TARGET_MS, "queue"),
        ("page_few", f"page /approvals/, {few} incidents", FEW, ("/approvals/", {}),
         QUEUE_TARGET_MS, "queue_few"),
        ("detail", f"API statement detail (v{detail.current_version})", REVIEWER,
         (f"/api/statements/{d}/", {}), None, "detail"),
        ("diff", "API diff from=1&to=4", REVIEWER,
         (f"/api/statements/{d}/diff/", {"from": 1, "to": 4}), None, "diff"),
        ("detail_page", "page statement detail", REVIEWER,
         (f"/incidents/statements/{d}/", {}), None, "detail"),
        ("diff_page", "page statement diff from=1&to=4", REVIEWER,
         (f"/incidents/statements/{d}/diff/", {"from": 1, "to": 4}), None, "diff"),
    ]

    def approve_http():
        pk, number = next(pool)
        response = clients[APPROVER].post(f"/api/statements/{pk}/approve/",
                                          {"version": number},
                                          content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"approve answered {response.status_code}, not 200: "
                             f"{response.content[:200]!r}")
        return response

    def approve_service():
        pk, number = next(pool)
        return services.statement_decide(actor=users[APPROVER],
                                         statement=Statement.objects.get(pk=pk),
                                         version=number, decision=Decision.APPROVE)

    print(f"repeat: up to {args.repeat} per request (stops after {args.budget:g} s)   "
          f"p95 targets: queue {QUEUE_TARGET_MS:g} ms, approve {APPROVE_TARGET_MS:g} ms   "
          f"statement of the detail rows: {d} ({detail.current_version} versions)\n")
    print(TABLE_HEADER)
    samples: dict[str, Sample] = {}
    notes: list[str] = []
    floors: dict[str, Sample] = {}
    for key, sql_key, label in () if floor.connection is None else (
            ("queue", "queue", f"floor: psycopg SELECT of the queue's rows, {many}"),
            ("queue_few", "queue_few", f"floor: psycopg SELECT of the queue's rows, {few}"),
            ("detail", "detail", "floor: psycopg SELECT statement + current version"),
            ("diff", "diff", "floor: psycopg SELECT versions 1 and 4")):
        reader = users[FEW if key == "queue_few" else REVIEWER]
        floors[key] = measure(label, lambda k=sql_key, r=reader: floor.read(k, user=r.pk,
                                                                           statement=d),
                              repeat=args.repeat, budget_s=args.budget)
        print(floors[key].row(), flush=True)
    if floor.connection is None:
        print("(no floor: it is hand-written PostgreSQL)")
    else:
        print(f"{'':<52} floor rows: queue {floor.read('queue', user=users[REVIEWER].pk):,}, "
              f"{few} incidents {floor.read('queue_few', user=users[FEW].pk):,}")

    for key, label, reader, target, target_ms, floor_key in requests:
        if callable(target):
            action = target
        else:
            path, params = target
            try:
                probe = clients[reader].get(path, params)
            except Exception as error:  # a page being built right now
                notes.append(f"{path} raised {type(error).__name__}: {error} (not measured)")
                continue
            if probe.status_code == 404:
                notes.append(f"skipped {path}: 404 (not built yet)")
                continue
            if probe.status_code != 200:  # a redirect or an error is no figure to report
                raise SystemExit(f"{path} answered {probe.status_code}, not 200: fix the "
                                 "setup (with DEBUG=0 also set SECURE_SSL_REDIRECT=0 and "
                                 "ALLOWED_HOSTS=testserver) and run again")
            action = lambda c=clients[reader], p=path, q=params: c.get(p, q)  # noqa: E731
        sample = measure(label, action, repeat=args.repeat, budget_s=args.budget)
        samples[key] = sample
        print(sample.row(target_ms) + _versus(sample, floors.get(floor_key)), flush=True)
        if args.explain:
            for line in explain(sample):
                print(line)

    approve_floor = None
    if floor.connection is not None:
        approve_floor = measure("floor: psycopg lock + INSERT decision + COMMIT",
                                lambda: floor.approve(next(pool), approver=users[APPROVER].pk),
                                repeat=args.repeat, budget_s=args.budget)
        print(approve_floor.row(), flush=True)
    for key, label, action in (("approve", "API POST approve (fresh statement each)",
                                approve_http),
                               ("approve_service", "service statement_decide (approve)",
                                approve_service)):
        sample = measure(label, action, repeat=args.repeat, budget_s=args.budget)
        samples[key] = sample
        print(sample.row(APPROVE_TARGET_MS) + _versus(sample, approve_floor), flush=True)
        if args.explain:
            for line in explain(sample):
                print(line)

    print()
    for note in notes:
        print(f"note: {note}")
    _compare(samples, "sel_few", "sel", f"selector, {few} vs {many} incidents")
    _compare(samples, "api_few", "api", f"queue API, {few} vs {many} incidents")
    _compare(samples, "page_few", "page", f"queue page, {few} vs {many} incidents")
    for keys, target_ms, what in ((("api", "api_few", "page", "page_few"), QUEUE_TARGET_MS,
                                   "queue"),
                                  (("approve",), APPROVE_TARGET_MS, "approve")):
        measured = [samples[k] for k in keys if k in samples]
        if not measured:
            print(f"{what}: nothing measured")
            continue
        worst = max(measured, key=lambda s: s.percentile(95))
        verdict = "meets" if worst.percentile(95) <= target_ms else "MISSES"
        print(f"{what} worst p95: {worst.percentile(95):.1f} ms ({worst.name}) = "
              f"{worst.percentile(95) / target_ms:.2f} x target: {verdict} the "
              f"{target_ms:g} ms target")
    floor.close()
    if args.drop:
        drop_database(url)
        print("dropped the benchmark database")


def _versus(sample: Sample, floor: Sample | None) -> str:
    if floor is None:
        return ""
    return f"  x{sample.percentile(50) / floor.percentile(50):6.1f} floor p50"


def _compare(samples: dict[str, Sample], small: str, large: str, what: str) -> None:
    if small not in samples or large not in samples:
        return
    a, b = samples[small], samples[large]
    verdict = "flat" if a.queries == b.queries else f"differs by {b.queries - a.queries:+d}"
    print(f"queries, {what}: {a.queries} vs {b.queries} ({verdict});  p50 "
          f"{a.percentile(50):.1f} vs {b.percentile(50):.1f} ms")


# --- the floor: hand-written SQL on a connection of its own ------------------------------------

QUEUE_SQL = """
SELECT s.id, s.title, s.incident_id, s.current_version, v.content_hash, v.what_happened,
       v."when", v."where", v.who_is_affected, v.why, v.what_we_do, v.body, v.variants,
       rs.id, rs.name, rs.due_at
  FROM comms_statement s
  JOIN comms_reviewstage rs ON rs.statement_id = s.id AND rs.round = s.review_round
  JOIN comms_statementversion v ON v.statement_id = s.id AND v.number = s.current_version
 WHERE s.status = 'in_review'
   AND s.incident_id IN (SELECT ra.incident_id FROM teams_roleassignment ra
                           JOIN teams_role r ON r.id = ra.role_id
                          WHERE ra.user_id = %(user)s AND ra.ended_at IS NULL
                            AND r.code = 'legal_reviewer')
   AND rs.role_codes @> '["legal_reviewer"]'::jsonb
   AND NOT EXISTS (SELECT 1 FROM comms_approvaldecision d
                    WHERE d.stage_id = rs.id AND d.version_number = s.current_version
                      AND (d.decision = 'approve' OR d.decider_id = %(user)s))
   AND NOT EXISTS (SELECT 1 FROM comms_statementversion a
                    WHERE a.statement_id = s.id AND a.author_id = %(user)s)
 ORDER BY rs.due_at, s.id
"""
DETAIL_SQL = """
SELECT s.*, v.* FROM comms_statement s
  JOIN comms_statementversion v ON v.statement_id = s.id AND v.number = s.current_version
 WHERE s.id = %(statement)s
"""
DIFF_SQL = """
SELECT * FROM comms_statementversion WHERE statement_id = %(statement)s AND number IN (1, 4)
 ORDER BY number
"""


class Floor:
    """What the database alone needs for the same answer (PostgreSQL; SQLite: none)."""

    def __init__(self, url: str):
        import dj_database_url
        import psycopg

        config = dj_database_url.parse(url)
        self.connection = None
        if "postgresql" in config["ENGINE"]:
            params = {"host": config["HOST"], "port": config["PORT"], "user": config["USER"],
                      "password": config["PASSWORD"], "dbname": config["NAME"]}
            self.connection = psycopg.connect(**{k: v for k, v in params.items() if v})

    def read(self, key: str, *, user: int, statement: int = 0) -> int:
        if self.connection is None:
            return 0
        sql = {"queue": QUEUE_SQL, "queue_few": QUEUE_SQL, "detail": DETAIL_SQL,
               "diff": DIFF_SQL}[key]
        with self.connection.cursor() as cursor:
            cursor.execute(sql, {"user": user, "statement": statement})
            rows = cursor.fetchall()
        self.connection.rollback()
        return len(rows)

    def approve(self, statement: tuple[int, int], *, approver: int) -> None:
        """The decision's own writes under the same two row locks, committed."""
        if self.connection is None:
            return
        pk, number = statement
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT incident_id, review_round FROM comms_statement WHERE id = %s",
                           [pk])
            incident, review_round = cursor.fetchone()
            cursor.execute("SELECT id FROM crisis_incident WHERE id = %s FOR UPDATE", [incident])
            cursor.execute("SELECT id FROM comms_statement WHERE id = %s FOR UPDATE", [pk])
            cursor.execute("SELECT id, content_hash FROM comms_statementversion "
                           "WHERE statement_id = %s AND number = %s", [pk, number])
            version, content_hash = cursor.fetchone()
            cursor.execute("SELECT id FROM comms_reviewstage WHERE statement_id = %s "
                           "AND round = %s ORDER BY position LIMIT 1", [pk, review_round])
            (stage,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO comms_approvaldecision (statement_id, version_id, version_number, "
                "version_hash, stage_id, decider_id, decision, comment, as_fallback, "
                "created_at) VALUES (%s, %s, %s, %s, %s, %s, 'approve', '', false, now())",
                [pk, version, number, content_hash, stage, approver])
        self.connection.commit()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


# --- seeding -----------------------------------------------------------------------------------

def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _people():
    from django.contrib.auth.models import Group

    from bench.seed import bench_users
    from teams.choices import Capability
    from teams.models import User

    _reader, actors = bench_users()

    def user(username: str, first: str):
        return User.objects.get_or_create(username=username,
                                          defaults={"first_name": first, "last_name": "Bench"})[0]

    people = {REVIEWER: user(REVIEWER, "Legal"), FEW: user(FEW, "Legal-few"),
              CAPABLE: user(CAPABLE, "Legal-capable"), APPROVER: user(APPROVER, "Approver")}
    people[CAPABLE].groups.add(Group.objects.get(name=Capability.LEGAL_REVIEWER))
    return people, actors


def pool_statements(needed: int) -> list[tuple[int, int]]:
    """Fresh in-review statements of the approver's incidents (pk, current version)."""
    from django.db.models import Exists, OuterRef

    from comms.models import ApprovalDecision, Statement
    from teams.models import RoleAssignment

    mine = RoleAssignment.objects.filter(user__username=APPROVER).values("incident_id")
    fresh = (Statement.objects.filter(incident__in=mine, status="in_review")
             .exclude(Exists(ApprovalDecision.objects.filter(statement=OuterRef("pk"))))
             .order_by("pk").values_list("pk", "current_version"))
    return list(fresh[:needed])


def seed_statements(shape: Shape, *, needed: int, force: bool = False
                    ) -> tuple[float, bool, dict[str, int]]:
    """Statements, versions, stages, decisions, publications, comments and the team's
    roles; reused when the counts match and the approve pool still holds ``needed``.
    Returns (seconds, whether it was (re)seeded, row counts)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from comms.models import (
        ApprovalDecision,
        Publication,
        ReviewStage,
        Statement,
        StatementComment,
        StatementVersion,
    )
    from crisis.models import Incident, IncidentUserObjectPermission, LiveEvent, TimelineEntry
    from teams.models import Notification, RoleAssignment

    started = time.perf_counter()
    people, actors = _people()
    incidents = list(Incident.objects.order_by("pk"))
    plan = _plan_roles(shape, incidents, people, actors)
    expected_roles = len(plan["assignments"])
    sees = {i.pk for i in plan["sees"]}
    if (not force and Statement.objects.count() == shape.statements
            and set(RoleAssignment.objects.filter(user=people[REVIEWER])
                    .values_list("incident_id", flat=True)) == sees
            and StatementVersion.objects.count() >= shape.versions
            and RoleAssignment.objects.count() == expected_roles
            and len(pool_statements(needed)) >= needed):
        return time.perf_counter() - started, False, _counts()

    models = [Publication, ApprovalDecision, StatementComment, ReviewStage, StatementVersion,
              Statement, RoleAssignment, IncidentUserObjectPermission, Notification]
    with transaction.atomic():
        tables = [m._meta.db_table for m in models]
        connection.ops.execute_sql_flush(connection.ops.sql_flush(
            no_style(), tables, reset_sequences=True, allow_cascade=True))
        # What approve wrote on the pool's incidents last time.
        pool_ids = [i.pk for i in plan["pool"]]
        TimelineEntry.objects.filter(incident_id__in=pool_ids, kind="statement",
                                     data__has_key="action").delete()
        LiveEvent.objects.filter(incident_id__in=pool_ids).delete()
        _insert_roles(plan)
        _insert_statements(shape, incidents, plan, people, actors)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) " + ", ".join(
                connection.ops.quote_name(m._meta.db_table) for m in models))
    return time.perf_counter() - started, True, _counts()


def _counts() -> dict[str, int]:
    from comms.models import (
        ApprovalDecision,
        Publication,
        ReviewStage,
        Statement,
        StatementComment,
        StatementVersion,
    )
    from crisis.models import IncidentUserObjectPermission
    from teams.models import RoleAssignment

    return {name: model.objects.count() for name, model in (
        ("statements", Statement), ("versions", StatementVersion), ("stages", ReviewStage),
        ("decisions", ApprovalDecision), ("publications", Publication),
        ("comments", StatementComment), ("role assignments", RoleAssignment),
        ("object permissions", IncidentUserObjectPermission))}


def _plan_roles(shape: Shape, incidents, people, actors) -> dict:
    """Who holds which role where (deterministic): the team on every incident, the
    reviewers on their incidents, the approver on the pool's incidents (open ones that
    are none of the reviewer's)."""
    rng = random.Random(SEED)
    open_ones = [i for i in incidents if i.status != "closed"]
    pool = rng.sample(open_ones, min(POOL_INCIDENTS, len(open_ones)))
    pool_ids = {i.pk for i in pool}
    others = [i for i in incidents if i.pk not in pool_ids]
    sees = rng.sample(others, shape.sees)  # open and closed as the desk has them
    few = rng.sample(sees, shape.few)
    assignments = []  # (incident, user, role code)
    team: dict[int, dict[str, object]] = {}
    for n, incident in enumerate(incidents):
        team[incident.pk] = {}
        for code, offset in TEAM:
            holder = actors[(n + offset) % len(actors)]
            team[incident.pk][code] = holder
            assignments.append((incident, holder, code))
    assignments += [(i, people[REVIEWER], "legal_reviewer") for i in sees]
    assignments += [(i, people[CAPABLE], "legal_reviewer") for i in sees]
    assignments += [(i, people[FEW], "legal_reviewer") for i in few]
    assignments += [(i, people[APPROVER], "legal_reviewer") for i in pool]
    return {"assignments": assignments, "team": team, "pool": pool, "sees": sees}


def _insert_roles(plan: dict) -> None:
    from bench.seed import insert
    from crisis.models import IncidentUserObjectPermission
    from teams.models import Role, RoleAssignment

    roles = {role.code: role for role in Role.objects.prefetch_related("permissions")}
    rights = {code: {p.pk for p in role.permissions.all()} for code, role in roles.items()}
    held: dict[tuple[int, int], set[int]] = {}
    for incident, user, code in plan["assignments"]:
        held.setdefault((user.pk, incident.pk), set()).update(rights[code])
    insert(RoleAssignment, (
        RoleAssignment(incident_id=incident.pk, user_id=user.pk, role=roles[code], note="",
                       assigned_at=incident.created_at + timedelta(minutes=5))
        for incident, user, code in plan["assignments"]))
    insert(IncidentUserObjectPermission, (
        IncidentUserObjectPermission(user_id=user_pk, content_object_id=incident_pk,
                                     permission_id=permission)
        for (user_pk, incident_pk), permissions in held.items()
        for permission in sorted(permissions)))


def _policies():
    """The active approval policies with their stages, as ``policy.stages_for`` reads them."""
    from comms.models import ApprovalPolicy
    from comms.policy import StageSpec

    found = []
    for policy in (ApprovalPolicy.objects.filter(is_active=True)
                   .prefetch_related("stages__roles", "stages__capability")):
        specs = [StageSpec(stage.name, sorted(role.code for role in stage.roles.all()),
                           stage.capability.name if stage.capability else "",
                           stage.approvals_needed, stage.sla_minutes,
                           stage.parallel_with_previous, policy.name)
                 for stage in policy.stages.all()]
        found.append((policy, specs))
    return found


def _text(rng: random.Random, language: str, incident, count: int) -> list[str]:
    words = SENTENCES["zh" if language != "en" else "en"]
    product = (incident.affected_products or ["product"])[0]
    region = (incident.affected_regions or ["Taipei"])[0]
    return [rng.choice(words).format(p=product, r=region) for _ in range(count)]


def _content(rng, language, incident, previous: dict | None) -> dict:
    """A version's text: the first drafted whole, later ones changing a sentence or two."""
    from comms.choices import FRAME_FIELDS

    if previous is None:
        content = {name: " ".join(_text(rng, language, incident, rng.randint(1, 2)))
                   for name in FRAME_FIELDS}
        content["body"] = "\n\n".join(" ".join(_text(rng, language, incident, 3))
                                      for _ in range(rng.randint(2, 4)))
        content["variants"] = ({"social": _text(rng, language, incident, 1)[0]}
                               if rng.random() < 0.2 else {})
        return content
    content = dict(previous)
    paragraphs = content["body"].split("\n\n")
    index = rng.randrange(len(paragraphs))
    paragraphs[index] = " ".join(_text(rng, language, incident, 3))
    content["body"] = "\n\n".join(paragraphs)
    field = rng.choice(FRAME_FIELDS)
    content[field] = " ".join(_text(rng, language, incident, rng.randint(1, 2)))
    return content


def _insert_statements(shape: Shape, incidents, plan, people, actors) -> None:
    from django.utils import timezone

    from bench.seed import insert, spread
    from comms.models import (
        ApprovalDecision,
        Publication,
        ReviewStage,
        Statement,
        StatementComment,
        StatementVersion,
        content_hash,
    )
    from comms.policy import due_times

    rng = random.Random(SEED + 1)
    now = timezone.now()
    policies = _policies()
    team, pool_ids = plan["team"], {i.pk for i in plan["pool"]}
    reviewer = people[REVIEWER]
    sees = {i.pk for i in plan["sees"]}

    # Which incident each statement belongs to: the pool's first (all fresh, in review),
    # then the rest spread with a long tail (every incident at least one).
    pool_count = min(shape.pool, shape.statements // 4)
    others = [i for i in incidents if i.pk not in pool_ids]
    owners = [plan["pool"][n % len(plan["pool"])] for n in range(pool_count)]
    counts = spread(rng, shape.statements - pool_count, len(others), [1] * len(others))
    owners += [i for i, count in zip(others, counts, strict=True) for _ in range(count)]
    versions_each = spread(rng, shape.versions, len(owners), [1] * len(owners))

    statements, plans = [], []
    for n, (incident, version_count) in enumerate(zip(owners, versions_each, strict=True)):
        in_pool = n < pool_count
        kind = "holding" if in_pool else _pick(rng, KINDS)
        language = _pick(rng, LANGUAGES)
        status = ("in_review" if in_pool else
                  _pick(rng, CLOSED_STATUSES if incident.status == "closed" else OPEN_STATUSES))
        specs = next((s for p, s in policies
                      if p.matches(kind=kind, severity=incident.severity)), [])
        if not specs:
            status = "draft"
        rounds = 0 if status == "draft" and rng.random() < 0.6 else (
            1 if in_pool or rng.random() < 0.7 else 2)
        end = incident.closed_at or now
        created = incident.created_at + (end - incident.created_at) * rng.uniform(0.05, 0.6)
        updated = created + (end - created) * rng.uniform(0.3, 0.9)
        if status == "in_review" and incident.status != "closed":
            # Reviews started in the last few hours: some stages are overdue.
            updated = now - timedelta(minutes=rng.uniform(5, 240))
            created = min(created, updated - timedelta(minutes=30))
        title = _text(rng, language, incident, 1)[0][:200]
        members = team[incident.pk]
        statements.append(Statement(
            incident_id=incident.pk, kind=kind, language=language, title=title,
            audience=(incident.stakeholder_kinds or [])[:1], status=status,
            current_version=version_count, review_round=rounds,
            review_started_at=updated if rounds else None,
            rejection_reason="The claims in paragraph 2 are not confirmed."
            if status == "rejected" else "",
            created_by_id=members["communications_officer"].pk, created_at=created,
            updated_at=updated,
            published_version=version_count if status in ("published", "superseded") else None,
            published_by_id=members["communications_officer"].pk
            if status in ("published", "superseded") else None,
            published_at=updated if status in ("published", "superseded") else None))
        plans.append((incident, kind, language, status, specs, rounds, in_pool))
    insert(Statement, statements)
    for statement, pk in zip(statements, Statement.objects.order_by("pk")
                             .values_list("pk", flat=True), strict=True):
        statement.pk = statement.id = pk

    # Versions: officers write, leads sometimes edit; spaced out before the last update.
    versions = []
    for statement, (incident, _kind, language, *_rest) in zip(statements, plans, strict=True):
        members = team[incident.pk]
        content = None
        span = max((statement.updated_at - statement.created_at).total_seconds(), 60.0)
        for number in range(1, statement.current_version + 1):
            content = _content(rng, language, incident, content)
            author = (members["communications_officer"] if number == 1 or rng.random() < 0.8
                      else members["lead"])
            versions.append(StatementVersion(
                statement_id=statement.pk, number=number, author_id=author.pk,
                created_at=statement.created_at + timedelta(
                    seconds=span * (number - 1) / statement.current_version),
                content_hash=content_hash(content), **content))
    insert(StatementVersion, versions)
    version_ids = dict(((s, n), (pk, h)) for s, n, pk, h in StatementVersion.objects.values_list(
        "statement_id", "number", "pk", "content_hash"))

    # Review stages of every round, as submission copies them from the policy.
    stages, stage_owner = [], []
    for statement, (_incident, _kind, _language, _status, specs, rounds, _pool) in zip(
            statements, plans, strict=True):
        for round_number in range(1, rounds + 1):
            started = statement.review_started_at - timedelta(hours=2 * (rounds - round_number))
            rows = [ReviewStage(statement_id=statement.pk, round=round_number, position=p,
                                name=spec.name, role_codes=spec.role_codes,
                                capability=spec.capability,
                                approvals_needed=spec.approvals_needed,
                                sla_minutes=spec.sla_minutes,
                                parallel_with_previous=spec.parallel_with_previous,
                                policy_name=spec.policy_name)
                    for p, spec in enumerate(specs, start=1)]
            for row, due in zip(rows, due_times(rows, started), strict=True):
                row.due_at = due
            stages += rows
            stage_owner += [(statement.pk, round_number, row.position) for row in rows]
    insert(ReviewStage, stages)
    stage_ids = dict(((s, r, p), pk) for s, r, p, pk in ReviewStage.objects.values_list(
        "statement_id", "round", "position", "pk"))

    # Decisions: earlier rounds ended with a request for changes on the version before;
    # the current round holds what its status says.
    decisions, comments, publications = [], [], []

    def decide(statement, round_number, position, number, decider, decision, comment=""):
        version, digest = version_ids[(statement.pk, number)]
        decisions.append(ApprovalDecision(
            statement_id=statement.pk, version_id=version, version_number=number,
            version_hash=digest, stage_id=stage_ids[(statement.pk, round_number, position)],
            decider_id=decider.pk, decision=decision, comment=comment, as_fallback=False,
            created_at=statement.review_started_at - timedelta(minutes=5)
            if round_number < statement.review_round else statement.updated_at))

    for statement, (incident, _kind, _language, status, specs, rounds, in_pool) in zip(
            statements, plans, strict=True):
        if not rounds or in_pool:
            continue
        members = team[incident.pk]

        def decider_of(spec, members=members, incident=incident):
            if "legal_reviewer" in spec.role_codes:
                # On the reviewer's incidents, half the earlier decisions are theirs.
                if incident.pk in sees and rng.random() < 0.5:
                    return reviewer
                return members["legal_reviewer"]
            if "executive_sponsor" in spec.role_codes:
                return members["executive_sponsor"]
            return members["lead"]

        current = statement.current_version
        for round_number in range(1, rounds):
            decide(statement, round_number, 1, max(1, current - 1), decider_of(specs[0]),
                   "request_changes", "Please confirm the dates with QA.")
        last = rounds if status != "draft" else 0
        if not last:
            continue
        if status in ("approved", "published", "superseded"):
            for position, spec in enumerate(specs, start=1):
                decide(statement, last, position, current, decider_of(spec), "approve")
        elif status == "rejected":
            decide(statement, last, 1, current, decider_of(specs[0]), "reject",
                   statement.rejection_reason)
        elif status == "in_review" and len(specs) > 1 and rng.random() < 0.3:
            decide(statement, last, 1, current, decider_of(specs[0]), "approve")
        if status in ("published", "superseded"):
            version, digest = version_ids[(statement.pk, current)]
            publications.append(Publication(
                statement_id=statement.pk, version_id=version, version_hash=digest,
                published_by_id=statement.published_by_id, published_at=statement.published_at))
        if rng.random() < 0.3:
            version, _digest = version_ids[(statement.pk, max(1, current - 1))]
            comments.append(StatementComment(
                statement_id=statement.pk, version_id=version,
                author_id=(reviewer if incident.pk in sees and rng.random() < 0.5
                           else members["legal_reviewer"]).pk,
                body="Is the batch number confirmed?", created_at=statement.updated_at))
    insert(ApprovalDecision, decisions)
    insert(StatementComment, comments)
    insert(Publication, publications)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
