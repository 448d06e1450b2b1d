"""Who may use the early warning, as capability groups (teams' migration 0003 made them):
Monitoring analysts, Crisis managers and Administrators see and act on alerts, read
mentions and watches; Administrators also set watches, warning rules and connectors;
Executives follow alerts. Ingesting mentions (``monitoring.ingest_mention``) is granted to
nobody here: a service account gets it in the admin (README: the bulk API)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ANALYSTS, MANAGERS = "Monitoring analysts", "Crisis managers"
EXECUTIVES, ADMINISTRATORS = "Executives", "Administrators"
WORK = ["view_alert", "change_alert", "view_mention", "view_watch"]
GRANTS = {
    ANALYSTS: WORK,
    MANAGERS: WORK,
    ADMINISTRATORS: [*WORK, "add_watch", "change_watch", "add_warningrule",
                     "change_warningrule", "view_warningrule", "add_connector",
                     "change_connector", "view_connector"],
    EXECUTIVES: ["view_alert"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="monitoring",
                                                         codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*Permission.objects.filter(
                content_type__app_label="monitoring", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("teams", "0003_default_capabilities_and_roles"),
        ("monitoring", "0003_default_warning_rules"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
