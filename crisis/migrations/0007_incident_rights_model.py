"""The per-incident guardian grants move from teams to crisis, next to the incident they
belong to (so the confidentiality rule needs nothing from teams). The rows stay; the
table is renamed to match its new app."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("crisis", "0006_live_event_seq"),
        ("teams", "0005_incident_rights_model_moves_to_crisis"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IncidentUserObjectPermission",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("content_object", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="crisis.incident")),
                        ("permission", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.permission")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "right on an incident",
                        "verbose_name_plural": "rights on incidents",
                        "abstract": False,
                        "unique_together": {("user", "permission", "content_object")},
                        "db_table": "teams_incidentuserobjectpermission",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="incidentuserobjectpermission", table=None),
    ]
