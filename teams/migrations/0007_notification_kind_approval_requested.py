from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('teams', '0006_notification_kind_incident_merged'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('incident_created', 'New incident'), ('incident_escalated', 'Incident escalated'), ('task_assigned', 'Task assigned to you'), ('task_overdue', 'Task overdue'), ('team_added', 'Added to an incident team'), ('mention', 'You were mentioned'), ('incident_merged', 'Incident merged into another'), ('approval_requested', 'Statement waiting for your approval')], max_length=32, verbose_name='kind'),
        ),
    ]
