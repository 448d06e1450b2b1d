"""Demo data to sign in with: departments, one user per persona with their capabilities, a
duty roster, and a few incidents (internal, restricted, confidential) with their teams, as
a crisis in progress looks: warning levels, tasks done and under way, notes, a hand-over.

Safe to run again: it creates only what is missing and never touches real data.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from crisis.choices import Confidentiality, DepartmentKind, TaskStatus
from crisis.models import Incident, IncidentType
from crisis.permissions import can_contribute
from crisis.services import (
    incident_create,
    incident_transition,
    task_assign,
    task_set_status,
    timeline_entry_add,
    timeline_entry_pin,
)
from teams.choices import Capability, Duty, HandoverPrevious
from teams.models import Department, DutyShift, User
from teams.services import lead_handover

#: The demo incidents were just created (``users``: the personas by username). Higher apps
#: add their demo data here (comms: a statement in each state), connected in their
#: ``AppConfig.ready()``; teams never imports them.
demo_incidents_seeded = Signal()

DEMO_PASSWORD = "crisisdesk-demo"  # noqa: S105 - printed for the demo on purpose

DEPARTMENTS = [
    ("Corporate Communications", DepartmentKind.COMMUNICATIONS),
    ("Legal & Compliance", DepartmentKind.LEGAL),
    ("Marketing", DepartmentKind.MARKETING),
    ("Customer Service", DepartmentKind.CUSTOMER_SERVICE),
    ("Technology", DepartmentKind.TECHNOLOGY),
    ("People & Culture", DepartmentKind.HR),
    ("Operations", DepartmentKind.OPERATIONS),
    ("Executive Office", DepartmentKind.EXECUTIVE),
    ("Government Affairs", DepartmentKind.GOVERNMENT_AFFAIRS),
]

ANALYSTS, MANAGERS = Capability.MONITORING_ANALYST, Capability.CRISIS_MANAGER
COMMS, LEGAL = Capability.COMMUNICATIONS_OFFICER, Capability.LEGAL_REVIEWER

# username, first, last, persona, department (head?), capabilities, timezone
PERSONAS = [
    ("lead", "Mei-Ling", "Chen", "crisis manager, on crisis lead duty", ("Operations", True),
     (MANAGERS,), "Asia/Taipei"),
    ("comms", "Daniel", "Okafor", "communications officer", ("Corporate Communications", True),
     (COMMS, ANALYSTS), "Europe/London"),
    ("legal", "Sofia", "Rossi", "legal reviewer", ("Legal & Compliance", True), (LEGAL,),
     "Europe/Rome"),
    ("exec", "Hiroshi", "Tanaka", "executive", ("Executive Office", True),
     (Capability.EXECUTIVE,), "Asia/Tokyo"),
    ("analyst", "Priya", "Nair", "monitoring analyst, on monitoring duty", ("Marketing", False),
     (ANALYSTS,), "Asia/Singapore"),
    ("support", "Wei", "Zhang", "customer service head (liaison)", ("Customer Service", True),
     (), "Asia/Shanghai"),
    ("auditor", "Grace", "Lindqvist", "auditor (reads everything not confidential)",
     ("Operations", False), (Capability.AUDITOR,), "Europe/Stockholm"),
    ("outsider", "Alex", "Morgan", "staff member on no incident", ("People & Culture", False),
     (), "UTC"),
]
ROSTER = [("lead", Duty.CRISIS_LEAD), ("analyst", Duty.MONITORING)]

# opener, title, summary, severity, warning level, type, drill, confidentiality, hours ago
INCIDENTS = [
    ("lead", "Overheating reports on the X2 power bank spread on social media",
     "Several videos show X2 units swelling while charging. Volume on Weibo and X is "
     "rising; two news outlets asked for comment.", "critical", "red", "product_quality",
     False, Confidentiality.INTERNAL, 6),
    ("analyst", "客服熱線等候時間過長引發網路抱怨",
     "過去兩小時內，社群平台上關於客服等候超過 40 分鐘的貼文大幅增加。", "medium", "yellow",
     "service_failure", False, Confidentiality.INTERNAL, 3),
    ("comms", "Rumour that the Shenzhen plant is closing",
     "A forum post claims the plant closes next month; HR confirms it is false.", "low",
     "blue", "misinformation", False, Confidentiality.RESTRICTED, 30),
    ("lead", "Drill: customer database exposed by a misconfigured backup",
     "Quarterly exercise. A researcher reports an open storage bucket with customer "
     "records.", "high", "orange", "data_breach", True, Confidentiality.CONFIDENTIAL, 1),
]

# Who and what the X2 incident touches (its classification): stakeholder kinds, products,
# regions. The others are left to classify.
CLASSIFIED = {0: (["customers", "employees", "media", "regulators", "affected_individuals"],
                  ["X2 power bank"], ["Taiwan", "Hong Kong", "Mainland China"])}

# How far each one has come: (status path, tasks done, task in progress (owner), notes).
# Notes are (author, kind, text, pinned).
PROGRESS = {
    0: (["active"], 2, "support", [
        ("lead", "key_moment", "Two outlets (TechDaily, Apple Daily) asked for comment; "
         "a video passed 1 million views.", False),
        ("lead", "decision", "Pause X2 sales on our own shop until engineering confirms the "
         "cause. @comms drafts the holding statement, @legal reviews it.", True),
        ("support", "note", "Hotline: 140 calls about X2 since 08:00, mostly asking whether "
         "to stop charging. Agents read the interim safety advice.", False),
    ]),
    1: (["active"], 1, "support", [
        ("analyst", "note", "等候時間已降至 15 分鐘；負評比例仍在上升。", False),
    ]),
    2: (["active", "contained"], 3, None, [
        ("comms", "decision", "No public statement: answer individual questions with the HR "
         "confirmation that the plant stays open.", True),
    ]),
    3: (["active"], 1, None, [
        ("lead", "note", "Exercise inject 1: the researcher threatens to publish in two "
         "hours.", False),
    ]),
}


class Command(BaseCommand):
    help = "Create demo departments, persona users and incidents (only what is missing)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Allow running with DEBUG=0 (never on a real installation).")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to create demo users with known passwords while "
                               "DEBUG=0. Pass --force if this really is a demo machine.")
        with transaction.atomic():
            created = self.seed()
        self.print_logins(created)

    def seed(self) -> bool:
        departments = {
            name: Department.objects.get_or_create(name=name, defaults={"kind": kind})[0]
            for name, kind in DEPARTMENTS
        }
        created_any = False
        users = {}
        for username, first, last, _persona, (department, head), capabilities, tz in PERSONAS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "timezone": tz,
                          "email": f"{username}@crisisdesk.example"},
            )
            if created:
                created_any = True
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                departments[department].members.add(user)
                if head:
                    Department.objects.filter(pk=departments[department].pk).update(head=user)
                user.groups.add(*Group.objects.filter(name__in=capabilities))
            users[username] = user
        week_start = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
        for username, duty in ROSTER:
            DutyShift.objects.get_or_create(
                duty=duty, user=users[username], starts_on=week_start,
                defaults={"ends_on": week_start + datetime.timedelta(days=13)})
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"first_name": "Ada", "last_name": "Admin", "is_staff": True,
                      "is_superuser": True, "email": "admin@crisisdesk.example"},
        )
        if created:
            created_any = True
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["password"])
            admin.groups.add(Group.objects.get(name=Capability.ADMINISTRATOR))
        if not Incident.objects.exists():
            self.seed_incidents(users)
            demo_incidents_seeded.send(sender=type(self), users=users)
        return created_any

    def seed_incidents(self, users: dict) -> None:
        """Incidents as a real crisis looks mid-way: levels set, moved along, some tasks
        done, one in progress, notes and a pinned decision; the lead of the X2 crisis
        handed over from Taipei to London for the night (follow the sun)."""
        now = timezone.now()

        def fresh(username):  # permission caches live on the instance
            return User.objects.get(pk=users[username].pk)

        for n, (username, title, summary, severity, level, type_code, drill, secrecy,
                hours) in enumerate(INCIDENTS):
            incident = incident_create(
                actor=fresh(username), title=title, summary=summary, severity=severity,
                warning_level=level, is_drill=drill, confidentiality=secrecy,
                type=IncidentType.objects.get(code=type_code),
                detected_at=now - datetime.timedelta(hours=hours),
                **dict(zip(("stakeholder_kinds", "affected_products", "affected_regions"),
                           CLASSIFIED.get(n, ()), strict=False)))
            path, done, working, notes = PROGRESS[n]
            lead = fresh("lead")
            tasks = list(incident.tasks.order_by("position", "pk"))
            for task in tasks[:done]:
                task_set_status(actor=lead, task=task, status=TaskStatus.DONE)
            if working and len(tasks) > done:
                task = task_assign(actor=lead, task=tasks[done], owner=fresh(working))
                task_set_status(actor=lead, task=task, status=TaskStatus.IN_PROGRESS)
            for status in path:
                incident = incident_transition(actor=lead, incident=incident, to_status=status)
            for author, kind, text, pinned in notes:
                if not can_contribute(fresh(author), incident):
                    author = "lead"
                entry = timeline_entry_add(actor=fresh(author), incident=incident, kind=kind,
                                           body=text)
                if pinned:
                    timeline_entry_pin(actor=lead, entry=entry, pinned=True)
            if n == 0:
                lead_handover(actor=lead, incident=incident, to=fresh("comms"),
                              previous=HandoverPrevious.DEPUTY,
                              note="Night in Taipei: London takes the lead until 08:00.")

    def print_logins(self, created: bool) -> None:
        verb = "Created" if created else "Demo logins (already present)"
        self.stdout.write(self.style.SUCCESS(f"{verb}: sign in at /accounts/login/ with"))
        for username, *_rest in PERSONAS:
            persona = _rest[2]
            self.stdout.write(f"  {username:<9} / {DEMO_PASSWORD}   {persona}")
        self.stdout.write(f"  {'admin':<9} / {DEMO_PASSWORD}   administrator (Django admin)")
