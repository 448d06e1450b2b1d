"""Monitoring analysts import mentions from CSV files themselves (the import page and
``/api/mentions/import/``): a right of its own, ``monitoring.import_mention``, granted to
Monitoring analysts and Administrators. The bulk API and connectors keep
``monitoring.ingest_mention``, a service account's right that no group holds."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Monitoring analysts", "Administrators"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    right = Permission.objects.get(content_type__app_label="monitoring",
                                   codename="import_mention")
    for name in GROUPS:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(right)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="monitoring",
                              codename="import_mention").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_permissions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="mention",
            options={"ordering": ["-posted_at", "-pk"],
                     "permissions": [
                         ("ingest_mention", "Can ingest mentions (API, CSV, connectors)"),
                         ("import_mention", "Can import mentions from CSV files")],
                     "verbose_name": "mention", "verbose_name_plural": "mentions"},
        ),
        migrations.RunPython(grant, revoke),
    ]
