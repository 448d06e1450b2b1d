"""The demo data as a running incident has it, for tests that look at every page."""

from crisis import services
from crisis.models import Incident
from teams.management.commands.seed_demo import Command as SeedDemo


def seed_running_demo() -> Incident:
    """The demo data plus what a running incident has: notes, a decision, a correction and
    a done task. Answers the X2 incident."""
    SeedDemo().seed()
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
