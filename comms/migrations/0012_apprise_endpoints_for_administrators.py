"""Administrators set the chat rooms and the SMS gateway (apprise endpoints) in the admin:
they add, change and view them (never delete: an endpoint is switched off)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMINISTRATORS = "Administrators"
CODENAMES = ["add_appriseendpoint", "change_appriseendpoint", "view_appriseendpoint"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=ADMINISTRATORS)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="comms",
                                                     codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0011_apprise_sms_deliveries_share_the_gateway"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
