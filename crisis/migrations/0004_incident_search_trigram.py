"""Trigram indexes for the incident search (title/summary contains), PostgreSQL only.

Django's ``icontains`` becomes ``UPPER(col::text) LIKE UPPER(%s)`` on PostgreSQL; GIN
trigram indexes on exactly those expressions turn the search from a scan of every
summary into an index lookup. SQLite has no such index and keeps scanning.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "incident_title_trgm": "UPPER(title::text)",
    "incident_summary_trgm": "UPPER(summary::text)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON crisis_incident "
            f"USING gin ({expression} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("crisis", "0003_default_types_and_playbooks")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
