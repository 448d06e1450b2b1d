"""Demo data to sign in with: departments, one user per persona with their capabilities, a
duty roster, and a few incidents (internal, restricted, confidential) with their teams.

Safe to run again: it creates only what is missing and never touches real data.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from crisis.choices import Confidentiality, DepartmentKind
from crisis.models import Incident, IncidentType
from crisis.services import incident_create
from teams.choices import Capability, Duty
from teams.models import Department, DutyShift, User

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

INCIDENTS = [
    ("lead", "Overheating reports on the X2 power bank spread on social media",
     "Several videos show X2 units swelling while charging. Volume on Weibo and X is "
     "rising; two news outlets asked for comment.", "critical", "product_quality", False,
     Confidentiality.INTERNAL),
    ("analyst", "客服熱線等候時間過長引發網路抱怨",
     "過去兩小時內，社群平台上關於客服等候超過 40 分鐘的貼文大幅增加。", "medium",
     "service_failure", False, Confidentiality.INTERNAL),
    ("comms", "Rumour that the Shenzhen plant is closing",
     "A forum post claims the plant closes next month; HR confirms it is false.", "low",
     "misinformation", False, Confidentiality.RESTRICTED),
    ("lead", "Drill: customer database exposed by a misconfigured backup",
     "Quarterly exercise. A researcher reports an open storage bucket with customer "
     "records.", "high", "data_breach", True, Confidentiality.CONFIDENTIAL),
]


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
            for username, title, summary, severity, type_code, drill, secrecy in INCIDENTS:
                incident_create(actor=User.objects.get(pk=users[username].pk), title=title,
                                summary=summary, severity=severity, is_drill=drill,
                                confidentiality=secrecy,
                                type=IncidentType.objects.get(code=type_code))
        return created_any

    def print_logins(self, created: bool) -> None:
        verb = "Created" if created else "Demo logins (already present)"
        self.stdout.write(self.style.SUCCESS(f"{verb}: sign in at /accounts/login/ with"))
        for username, *_rest in PERSONAS:
            persona = _rest[2]
            self.stdout.write(f"  {username:<9} / {DEMO_PASSWORD}   {persona}")
        self.stdout.write(f"  {'admin':<9} / {DEMO_PASSWORD}   administrator (Django admin)")
