"""The warning rules CrisisDesk ships (admins tune them in the admin): blue when a watch
is twice as busy as usual, yellow for an unusual and largely negative volume, orange when
that grows fast or an influential author joins, red for a persistent negative storm that
reaches a million people. Tuned on tests/monitoring/test_detection.py's timelines."""

from django.db import migrations

RULES = [
    {"name": "Blue: twice the usual volume", "level": "blue", "window_minutes": 10,
     "min_mentions": 10, "volume_ratio": 2.0, "cooldown_minutes": 60},
    {"name": "Yellow: unusual, largely negative volume", "level": "yellow",
     "window_minutes": 10, "min_mentions": 15, "volume_z": 3.0, "negative_share": 0.4,
     "cooldown_minutes": 60},
    {"name": "Orange: negative storm growing fast", "level": "orange", "window_minutes": 10,
     "min_mentions": 20, "volume_z": 4.0, "negative_share": 0.5, "velocity": 1.0,
     "cooldown_minutes": 120},
    {"name": "Orange: an influential author posts negatively", "level": "orange",
     "window_minutes": 10, "min_mentions": 20, "volume_z": 4.0, "negative_share": 0.5,
     "influencer_followers": 500_000, "cooldown_minutes": 120},
    {"name": "Red: persistent negative storm reaching a million", "level": "red",
     "window_minutes": 5, "min_mentions": 30, "volume_ratio": 6.0, "negative_share": 0.6,
     "negative_reach": 1_000_000, "persistence": 2, "cooldown_minutes": 180},
]


def add_rules(apps, schema_editor):
    WarningRule = apps.get_model("monitoring", "WarningRule")
    for rule in RULES:
        if not WarningRule.objects.filter(name=rule["name"], watch=None).exists():
            WarningRule.objects.create(**rule)


def remove_rules(apps, schema_editor):
    WarningRule = apps.get_model("monitoring", "WarningRule")
    WarningRule.objects.filter(name__in=[r["name"] for r in RULES], watch=None).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0002_alert_last_matched_at"),
    ]

    operations = [migrations.RunPython(add_rules, remove_rules)]
