"""Who may see the executive dashboard (``/reports/``, its PDF and ``/api/metrics/``): a
global right ``reports.view_dashboard`` for the capability groups teams' migration 0003
made: Crisis managers, Executives, Auditors and Administrators. The numbers anyone sees
count only the incidents they may view. (Kept on the review's content type: the dashboard
has no model of its own.)"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAME, NAME = "view_dashboard", "Can view the executive dashboard"
GROUPS = ["Crisis managers", "Executives", "Auditors", "Administrators"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    content_type = ContentType.objects.get(app_label="reports", model="postincidentreview")
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": NAME})
    for name in GROUPS:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="reports", codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("teams", "0003_default_capabilities_and_roles"),
        ("reports", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
