"""The demo data as a running incident has it, for tests that look at every page."""

from crisis import services
from crisis.models import Incident
from reports import demo as review_demo
from teams.management.commands.seed_demo import Command as SeedDemo
from teams.management.commands.seed_demo import demo_incidents_seeded


def seed_running_demo() -> Incident:
    """The demo data plus what a running incident has: notes, a decision, a correction and
    a done task. Answers the X2 incident. The demo's closed crisis with its review
    (``reports.demo``, seconds of mentions, detection and a PDF) is left out: these tests
    look at the running incident's pages (tests/test_project.py checks the review)."""
    demo_incidents_seeded.disconnect(dispatch_uid="reports.demo")
    try:
        SeedDemo().seed()
    finally:
        review_demo.register()
    incident = Incident.objects.get(title__startswith="Overheating reports")
    lead = incident.created_by
    note = services.timeline_entry_add(actor=lead, incident=incident, kind="note",
                                       body="Two more videos on Weibo; 40k views.")
    services.timeline_entry_add(actor=lead, incident=incident, kind="decision",
                                body="Pause X2 ads in all markets.")
    services.timeline_entry_add(actor=lead, incident=incident, corrects=note,
                                body="Three more videos on Weibo.")
    task = incident.tasks.order_by("position", "pk").first()
    services.task_set_status(actor=lead, task=task, status="done")
    return incident
