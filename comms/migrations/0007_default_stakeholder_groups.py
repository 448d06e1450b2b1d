"""The shipped stakeholder groups, and who may see and manage contacts.

The data lives here, not imported from app code, so this migration means the same thing
forever. Names are stored in English and marked for the catalogs; pages translate them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils.translation import gettext_noop as _  # marked for the catalogs only

MANAGERS, OFFICERS, ADMINISTRATORS = (
    "Crisis managers", "Communications officers", "Administrators")

# position, code, name, stakeholder kind, channels in order, acknowledgement required
GROUPS = [
    (10, "customers", _("Customers"), "customers", ["email", "sms"], False),
    (20, "employees", _("Employees"), "employees", ["in_app", "email", "chat"], False),
    (30, "media", _("Media"), "media", ["email"], False),
    (40, "regulators", _("Regulators / government"), "regulators", ["email"], True),
    (50, "investors", _("Investors"), "investors", ["email"], False),
    (60, "partners", _("Partners / suppliers"), "partners", ["email", "webhook"], False),
    (70, "influencers", _("Influencers / KOLs"), "influencers", ["email", "chat"], False),
    (80, "affected-individuals", _("Affected individuals"), "affected_individuals",
     ["email", "sms"], False),
]

# Contacts are personal data: crisis managers and administrators manage them, the
# communications officers (who publish to them) see them. Administrators edit the groups.
GRANTS = {
    ADMINISTRATORS: ["add_contact", "change_contact", "view_contact",
                     "add_stakeholdergroup", "change_stakeholdergroup",
                     "delete_stakeholdergroup", "view_stakeholdergroup"],
    MANAGERS: ["add_contact", "change_contact", "view_contact", "view_stakeholdergroup"],
    OFFICERS: ["view_contact", "view_stakeholdergroup"],
}


def create_defaults(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    StakeholderGroup = apps.get_model("comms", "StakeholderGroup")

    for group_name, codenames in GRANTS.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="comms",
                                                         codename__in=codenames))

    for position, code, name, kind, channels, acknowledge in GROUPS:
        StakeholderGroup.objects.get_or_create(code=code, defaults={
            "position": position, "name": name, "kind": kind, "channels": channels,
            "acknowledgement_required": acknowledge})


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0006_stakeholder_groups_and_contacts"),
        ("teams", "0003_default_capabilities_and_roles"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
