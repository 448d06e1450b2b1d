"""Incident list latency: API and page, per page size, with query counts.

Seeds N incidents into the benchmark database (once; reused when the count matches) and
measures in-process requests through the whole middleware stack (no network), so the
figures are server time. The query count must not depend on the page size.
"""

import argparse

from bench.harness import measure, use_bench_database


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench incident_list")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)

    url = use_bench_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from crisis.choices import IncidentStatus, Severity
    from crisis.models import Incident
    from teams.models import User

    setup_test_environment()
    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench", defaults={"first_name": "Bench"})
    if Incident.objects.count() != args.incidents:
        Incident.objects.all().delete()
        severities, statuses = list(Severity), list(IncidentStatus)
        Incident.objects.bulk_create(
            (Incident(title=f"Bench incident {i}", summary="Seeded for the benchmark.",
                      severity=severities[i % 4], status=statuses[i % 5], created_by=user)
             for i in range(args.incidents)),
            batch_size=2000,
        )
    client = Client()
    client.force_login(user)

    print(f"database: {url.split('@')[-1]}   incidents: {args.incidents}   "
          f"repeat: {args.repeat}")
    samples = []
    for page_size in (10, 50):
        samples.append(measure(
            f"GET /api/incidents/?page_size={page_size}",
            lambda size=page_size: client.get("/api/incidents/", {"page_size": size}),
            repeat=args.repeat))
    samples.append(measure(
        "GET /api/incidents/?severity=critical&page_size=50",
        lambda: client.get("/api/incidents/", {"severity": "critical", "page_size": 50}),
        repeat=args.repeat))
    samples.append(measure("GET /incidents/ (page of 50)", lambda: client.get("/incidents/"),
                           repeat=args.repeat))
    samples.append(measure(
        "GET /incidents/?severity=critical (filtered)",
        lambda: client.get("/incidents/", {"severity": "critical"}), repeat=args.repeat))
    for sample in samples:
        print(sample.row())
    small, large = samples[0], samples[1]
    print(f"query count page 10 vs 50: {small.queries} vs {large.queries} "
          f"({'independent of page size' if small.queries == large.queries else 'GROWS'})")
    print(f"p95 ratio page 50 / page 10: {large.percentile(95) / small.percentile(95):.2f}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
