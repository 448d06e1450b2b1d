"""IncidentUserObjectPermission now belongs to crisis (crisis 0007 takes over its table);
teams forgets it without touching the rows."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("teams", "0004_user_language_and_email_notifications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IncidentUserObjectPermission")],
            database_operations=[],
        ),
    ]
