"""Incident list for a user who sees incidents through object permissions (crisis teams).

The issue's figure: "Incident list for a user who can see 5,000 of 10,000 incidents
through object permissions: p95 latency and query count (must not grow with the number
of permissions)."

Seeds the incident_list benchmark's desk (10,000 incidents, reused when it is there), then
makes every incident confidential (``--confidential`` < 1 makes the rest restricted, which
the readers may not view either) and gives out roles the way the app does, as
``RoleAssignment`` rows plus the guardian rows ``teams.services.incident_rights_sync`` keeps in step
with them (``IncidentUserObjectPermission``, one per right a role grants):

- every incident has a lead (8 rights each) among 20 team members, and each member holds
  another role (spokesperson, scribe, observer, …) on 1,000 random incidents;
- the reader is observer (``view_incident``) on 5,000 random incidents, a second reader on
  50, and an auditor holds ``crisis.view_every_incident`` (no subquery: the baseline).

A sample of the seeded rows is checked against ``incident_rights_sync`` (rolled back), and each
reader's visible count against ``selectors.incident_list``. Requests then go in-process
through the whole middleware stack, as in ``incident_list``: the API list and the
``/incidents/`` page, first page, a deep page and a search. The query count of a reader who
sees 50 must equal that of one who sees 5,000.
"""

import argparse
import logging
import random
import time
from dataclasses import dataclass

from bench.harness import (
    TABLE_HEADER,
    Sample,
    collect_static,
    cursor_page,
    disable_api_throttling,
    drop_database,
    ensure_database,
    explain,
    measure,
    use_bench_database,
)

TARGET_MS = 30.0  # p95 of the API list, as in incident_list
SEED = 20261124
SEARCH = {"q": "recall"}
FILTER = {"severity": "critical", "status": "active"}
READER, FEW, AUDITOR = "bench-vis-reader", "bench-vis-few", "bench-vis-auditor"
OTHER_ROLES = ["deputy", "spokesperson", "legal_reviewer", "communications_officer",
               "scribe", "executive_sponsor", "observer"]


@dataclass(frozen=True)
class Grants:
    reader_sees: int
    few_sees: int
    members: int
    member_incidents: int
    confidential: float


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench incident_visibility")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--timeline", type=int, default=200_000)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--sees", type=int, default=5_000,
                        help="incidents the reader holds a role on")
    parser.add_argument("--few", type=int, default=50,
                        help="incidents the second reader holds a role on")
    parser.add_argument("--members", type=int, default=20,
                        help="other people holding roles (one leads each incident)")
    parser.add_argument("--member-incidents", type=int, default=1_000,
                        help="incidents each member holds another role on")
    parser.add_argument("--confidential", type=float, default=1.0,
                        help="share of confidential incidents (the rest restricted)")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--budget", type=float, default=15.0,
                        help="seconds per request kind before stopping early (min 20 runs)")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN (ANALYZE, BUFFERS) the incident queries (PostgreSQL)")
    parser.add_argument("--drop", action="store_true",
                        help="drop the PostgreSQL benchmark database afterwards")
    args = parser.parse_args(argv)
    if not 0 < args.few <= args.sees <= args.incidents:
        parser.error("need 0 < --few <= --sees <= --incidents")

    url = use_bench_database()
    created = ensure_database(url)
    import django

    django.setup()
    disable_api_throttling()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.seed import Plan, seed

    call_command("migrate", verbosity=0)
    collect_static()
    plan = Plan(incidents=args.incidents, timeline=args.timeline, tasks=args.tasks,
                room_entries=2_000)
    grants = Grants(reader_sees=args.sees, few_sees=args.few, members=args.members,
                    member_incidents=min(args.member_incidents, args.incidents),
                    confidential=args.confidential)
    desk_s, desk_fresh = seed(plan)
    grant_s, grant_fresh, rows = seed_grants(grants)
    print(f"database: {connection.vendor} {url.split('@')[-1]}"
          f"{' (created)' if created else ''}   incidents: {plan.incidents} "
          f"({grants.confidential:.0%} confidential, the rest restricted)")
    print(f"seed: desk {'seeded' if desk_fresh else 'reused'} in {desk_s:.1f} s, roles and "
          f"rights {'seeded' if grant_fresh else 'reused'} in {grant_s:.1f} s: "
          f"{rows['assignments']:,} role assignments, {rows['rights']:,} object permissions")

    from crisis import selectors
    from crisis.views import LIST_MAX_PAGES
    from teams.models import User

    users = {name: User.objects.get(username=name) for name in (READER, FEW, AUDITOR)}
    visible = {name: selectors.incident_list(user=user).count() for name, user in users.items()}
    print(f"visible: reader {visible[READER]:,} of {plan.incidents:,}, second reader "
          f"{visible[FEW]:,}, auditor {visible[AUDITOR]:,}   " + check_rights_sync())
    expected = {READER: grants.reader_sees, FEW: grants.few_sees, AUDITOR: plan.incidents}
    if visible != expected:
        raise SystemExit(f"visibility is not what was seeded: {visible} != {expected}")

    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    many, few = f"{grants.reader_sees:,}", f"{grants.few_sees:,}"
    deep = max(1, grants.reader_sees * 3 // 4 // 50)
    api, page, first = "/api/incidents/", "/incidents/", {"page_size": 50}
    requests = [
        # (key, label, reader, path, params, target applies)
        ("api", f"API sees {many}: page 1", READER, api, first, True),
        ("api_deep", f"API sees {many}: page {deep} (cursor)", READER, api,
         cursor_page(clients[READER], api, first, deep), True),
        ("api_q", f"API sees {many}: q=recall", READER, api, {**first, **SEARCH}, True),
        ("api_filter", f"API sees {many}: severity=critical&status=active", READER, api,
         {**first, **FILTER}, True),
        ("few_api", f"API sees {few}: page 1", FEW, api, first, True),
        ("few_api_q", f"API sees {few}: q=recall", FEW, api, {**first, **SEARCH}, True),
        ("all_api", f"API sees all {plan.incidents:,} (view_every): page 1", AUDITOR, api,
         first, True),
        ("page", f"page {page} sees {many}", READER, page, {}, False),
        ("page_deep", f"page {page}?page={LIST_MAX_PAGES} (deepest) sees {many}", READER,
         page, {"page": LIST_MAX_PAGES}, False),
        ("page_q", f"page {page}?q=recall sees {many}", READER, page, SEARCH, False),
        ("few_page", f"page {page} sees {few}", FEW, page, {}, False),
    ]
    print(f"repeat: up to {args.repeat} per request (stops after {args.budget:g} s)   "
          f"p95 target {TARGET_MS:g} ms (API list)\n")
    print(TABLE_HEADER)
    samples: dict[str, Sample] = {}
    for key, label, reader, path, params, targeted in requests:
        client = clients[reader]
        probe = client.get(path, params)
        if probe.status_code != 200:
            print(f"note: {path} {params} answered {probe.status_code}: measured as it is")
        sample = measure(label, lambda c=client, p=path, q=params: c.get(p, q),
                         repeat=args.repeat, budget_s=args.budget)
        samples[key] = sample
        print(sample.row(TARGET_MS if targeted else None), flush=True)
        if args.explain:
            for line in explain(sample, min_ms=0.0, max_lines=40, match="crisis_incident"):
                print(line)

    print()
    _compare(samples, "few_api", "api", f"API page 1, sees {few} vs {many}")
    _compare(samples, "few_api_q", "api_q", f"API q=recall, sees {few} vs {many}")
    _compare(samples, "few_page", "page", f"page /incidents/, sees {few} vs {many}")
    _compare(samples, "all_api", "api", f"API page 1, view_every vs sees {many}")
    targeted = [samples[key] for key, *_rest, t in requests if t and key in samples]
    worst = max(targeted, key=lambda s: s.percentile(95))
    verdict = "meets" if worst.percentile(95) <= TARGET_MS else "MISSES"
    print(f"API list worst p95: {worst.percentile(95):.1f} ms ({worst.name}) = "
          f"{worst.percentile(95) / TARGET_MS:.2f} x target: {verdict} the {TARGET_MS:g} ms "
          f"target")
    if args.drop:
        drop_database(url)
        print("dropped the benchmark database")


def _compare(samples: dict[str, Sample], small: str, large: str, what: str) -> None:
    if small not in samples or large not in samples:
        return
    a, b = samples[small], samples[large]
    verdict = "independent" if a.queries == b.queries else "GROWS"
    print(f"queries, {what}: {a.queries} vs {b.queries} ({verdict});  p50 "
          f"{a.percentile(50):.1f} vs {b.percentile(50):.1f} ms, p95 {a.percentile(95):.1f} "
          f"vs {b.percentile(95):.1f} ms")


# --- seeding ------------------------------------------------------------------------------

def _users(grants: Grants):
    from django.contrib.auth.models import Permission

    from crisis.permissions import VIEW_EVERY, codename
    from teams.models import User

    def user(username: str, first: str, last: str = "Bench"):
        return User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last})[0]

    reader, few, auditor = (user(READER, "Reader"), user(FEW, "Few"), user(AUDITOR, "Auditor"))
    auditor.user_permissions.add(Permission.objects.get(
        content_type__app_label="crisis", codename=codename(VIEW_EVERY)))
    members = [user(f"bench-vis-member-{i:02d}", f"Member{i:02d}")
               for i in range(grants.members)]
    return reader, few, members


def _plan_grants(grants: Grants, incidents: list[tuple[int, object]], reader, few, members):
    """The role assignments as (incident pk, created_at, user pk, role code); deterministic."""
    rng = random.Random(SEED)
    pks = [pk for pk, _created in incidents]
    created = dict(incidents)
    rows = [(pk, created[pk], rng.choice(members).pk, "lead") for pk in pks]
    for member in members:
        rows += [(pk, created[pk], member.pk, rng.choice(OTHER_ROLES))
                 for pk in rng.sample(pks, grants.member_incidents)]
    rows += [(pk, created[pk], reader.pk, "observer")
             for pk in rng.sample(pks, grants.reader_sees)]
    rows += [(pk, created[pk], few.pk, "observer") for pk in rng.sample(pks, grants.few_sees)]
    restricted = set(rng.sample(pks, len(pks) - round(len(pks) * grants.confidential)))
    return rows, restricted


def seed_grants(grants: Grants) -> tuple[float, bool, dict[str, int]]:
    """Roles, their rights and the incidents' confidentiality; reused when the counts match.
    Returns (seconds, whether it was (re)seeded, row counts)."""
    from datetime import timedelta

    from django.core.management.color import no_style
    from django.db import connection, transaction

    from bench.seed import insert
    from crisis.choices import Confidentiality
    from crisis.models import Incident, IncidentUserObjectPermission
    from teams.models import Role, RoleAssignment

    started = time.perf_counter()
    reader, few, members = _users(grants)
    incidents = list(Incident.objects.order_by("pk").values_list("pk", "created_at"))
    assignments, restricted = _plan_grants(grants, incidents, reader, few, members)
    roles = {role.code: role for role in Role.objects.prefetch_related("permissions")}
    rights = {code: {p.pk for p in role.permissions.all()} for code, role in roles.items()}
    held: dict[tuple[int, int], set[int]] = {}
    for pk, _created, user_pk, code in assignments:
        held.setdefault((user_pk, pk), set()).update(rights[code])
    counts = {"assignments": len(assignments), "rights": sum(map(len, held.values()))}

    view = IncidentUserObjectPermission.objects.filter(permission__codename="view_incident")
    if (RoleAssignment.objects.count() == counts["assignments"]
            and IncidentUserObjectPermission.objects.count() == counts["rights"]
            and view.filter(user=reader).count() == grants.reader_sees
            and view.filter(user=few).count() == grants.few_sees
            and Incident.objects.filter(confidentiality=Confidentiality.RESTRICTED).count()
            == len(restricted)
            and not Incident.objects.filter(confidentiality=Confidentiality.INTERNAL).exists()):
        return time.perf_counter() - started, False, counts

    with transaction.atomic():
        tables = [RoleAssignment._meta.db_table, IncidentUserObjectPermission._meta.db_table]
        connection.ops.execute_sql_flush(connection.ops.sql_flush(
            no_style(), tables, reset_sequences=True, allow_cascade=False))
        Incident.objects.update(confidentiality=Confidentiality.CONFIDENTIAL)
        Incident.objects.filter(pk__in=restricted).update(
            confidentiality=Confidentiality.RESTRICTED)
        insert(RoleAssignment, (
            RoleAssignment(incident_id=pk, user_id=user_pk, role=roles[code], note="",
                           assigned_at=created + timedelta(minutes=5))
            for pk, created, user_pk, code in assignments))
        insert(IncidentUserObjectPermission, (
            IncidentUserObjectPermission(user_id=user_pk, content_object_id=pk,
                                         permission_id=permission)
            for (user_pk, pk), permissions in held.items() for permission in sorted(permissions)))
    if connection.vendor == "postgresql":
        # The confidentiality UPDATE left a dead version of every incident: vacuum them
        # (as autovacuum would, soon) so the first runs do not walk them, then fresh stats.
        tables = [Incident, RoleAssignment, IncidentUserObjectPermission]
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) " + ", ".join(
                connection.ops.quote_name(m._meta.db_table) for m in tables))
    return time.perf_counter() - started, True, counts


class _RollBack(Exception):
    pass


def check_rights_sync(sample: int = 30) -> str:
    """Run ``incident_rights_sync`` on a sample of the seeded (incident, person) pairs and roll it
    back: the seeded rights must be exactly what the app's own sync would hold."""
    from django.db import transaction

    from crisis.models import IncidentUserObjectPermission
    from teams.models import RoleAssignment
    from teams.services import incident_rights_sync

    pairs = list(RoleAssignment.objects.filter(ended_at__isnull=True)
                 .select_related("incident", "user").order_by("?")[:sample])
    differ = 0

    def rights(assignment) -> set[int]:
        return set(IncidentUserObjectPermission.objects.filter(
            user=assignment.user, content_object=assignment.incident)
            .values_list("permission_id", flat=True))

    try:
        with transaction.atomic():
            for assignment in pairs:
                before = rights(assignment)
                incident_rights_sync(incident=assignment.incident, user=assignment.user)
                differ += before != rights(assignment)
            raise _RollBack
    except _RollBack:
        pass
    if differ:
        raise SystemExit(f"seeded rights differ from incident_rights_sync for {differ} of "
                         f"{len(pairs)} sampled role assignments")
    return f"incident_rights_sync agrees on {len(pairs)} sampled assignments"


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
