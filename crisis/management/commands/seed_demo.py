"""Demo data to sign in with: departments, one user per persona, a few incidents.

Safe to run again: it creates only what is missing and never touches real data.
"""

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from crisis.models import Incident, IncidentType
from crisis.permissions import ADD_INCIDENT, CONTRIBUTE, MANAGE_INCIDENT
from crisis.services import incident_create
from teams.choices import DepartmentKind
from teams.models import Department, User

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

OPEN = (ADD_INCIDENT, CONTRIBUTE)
LEAD = (ADD_INCIDENT, MANAGE_INCIDENT, CONTRIBUTE)
WORK = (CONTRIBUTE,)

# username, first, last, persona, department, rights, timezone
PERSONAS = [
    ("lead", "Mei-Ling", "Chen", "crisis lead", "Operations", LEAD, "Asia/Taipei"),
    ("comms", "Daniel", "Okafor", "communications officer", "Corporate Communications", OPEN,
     "Europe/London"),
    ("legal", "Sofia", "Rossi", "legal reviewer", "Legal & Compliance", WORK, "Europe/Rome"),
    ("exec", "Hiroshi", "Tanaka", "executive", "Executive Office", WORK, "Asia/Tokyo"),
    ("analyst", "Priya", "Nair", "monitoring analyst", "Marketing", OPEN, "Asia/Singapore"),
    ("support", "Wei", "Zhang", "customer service liaison", "Customer Service", WORK,
     "Asia/Shanghai"),
    ("outsider", "Alex", "Morgan", "outsider (no incident role)", "People & Culture", (),
     "UTC"),
]

INCIDENTS = [
    ("lead", "Overheating reports on the X2 power bank spread on social media",
     "Several videos show X2 units swelling while charging. Volume on Weibo and X is "
     "rising; two news outlets asked for comment.", "critical", "product_quality", False),
    ("analyst", "客服熱線等候時間過長引發網路抱怨",
     "過去兩小時內，社群平台上關於客服等候超過 40 分鐘的貼文大幅增加。", "medium",
     "service_failure", False),
    ("comms", "Rumour that the Shenzhen plant is closing",
     "A forum post claims the plant closes next month; HR confirms it is false.", "low",
     "misinformation", False),
    ("lead", "Drill: customer database exposed by a misconfigured backup",
     "Quarterly exercise. A researcher reports an open storage bucket with customer "
     "records.", "high", "data_breach", True),
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
        def permission(codename: str) -> Permission:
            app_label, name = codename.split(".")
            return Permission.objects.get(content_type__app_label=app_label, codename=name)

        created_any = False
        users = {}
        for username, first, last, _persona, department, rights, tz in PERSONAS:
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
                user.user_permissions.add(*(permission(r) for r in rights))
            users[username] = user
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"first_name": "Ada", "last_name": "Admin", "is_staff": True,
                      "is_superuser": True, "email": "admin@crisisdesk.example"},
        )
        if created:
            created_any = True
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["password"])
        if not Incident.objects.exists():
            for username, title, summary, severity, type_code, drill in INCIDENTS:
                incident_create(actor=User.objects.get(pk=users[username].pk), title=title,
                                summary=summary, severity=severity, is_drill=drill,
                                type=IncidentType.objects.get(code=type_code))
        return created_any

    def print_logins(self, created: bool) -> None:
        verb = "Created" if created else "Demo logins (already present)"
        self.stdout.write(self.style.SUCCESS(f"{verb}: sign in at /accounts/login/ with"))
        for username, *_rest in PERSONAS:
            persona = _rest[2]
            self.stdout.write(f"  {username:<9} / {DEMO_PASSWORD}   {persona}")
        self.stdout.write(f"  {'admin':<9} / {DEMO_PASSWORD}   administrator (Django admin)")
