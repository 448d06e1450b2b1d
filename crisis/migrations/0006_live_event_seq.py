from django.db import migrations, models


def number_existing_events(apps, schema_editor):
    """Give events written before this migration their per-incident order."""
    LiveEvent = apps.get_model("crisis", "LiveEvent")
    counters: dict[int, int] = {}
    batch = []
    for event in LiveEvent.objects.order_by("pk").only("pk", "incident_id").iterator():
        counters[event.incident_id] = counters.get(event.incident_id, 0) + 1
        event.seq = counters[event.incident_id]
        batch.append(event)
        if len(batch) == 1000:
            LiveEvent.objects.bulk_update(batch, ["seq"])
            batch = []
    LiveEvent.objects.bulk_update(batch, ["seq"])


class Migration(migrations.Migration):

    dependencies = [
        ("crisis", "0005_incident_rights"),
    ]

    operations = [
        migrations.AddField(
            model_name="liveevent",
            name="seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunPython(number_existing_events, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="liveevent",
            name="seq",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AlterModelOptions(
            name="liveevent",
            options={"ordering": ["incident", "seq"], "verbose_name": "live event",
                     "verbose_name_plural": "live events"},
        ),
        migrations.AddConstraint(
            model_name="liveevent",
            constraint=models.UniqueConstraint(fields=("incident", "seq"),
                                               name="live_event_seq_once"),
        ),
    ]
