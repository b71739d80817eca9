"""Indexes for the person list: key people by name, and hire-date sorts with blank dates last."""

from django.db import migrations, models

# NULLS LAST inside an index definition is PostgreSQL only; SQLite sorts its smaller lists without.
HIRE_INDEXES = [
    ("person_hire_asc_idx", '"hire_date" ASC NULLS LAST, "id" ASC'),
    ("person_hire_desc_idx", '"hire_date" DESC NULLS LAST, "id" DESC'),
]


def create_hire_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in HIRE_INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "org_person" ({columns})')


def drop_hire_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _columns in HIRE_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0003_roster_import'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='person',
            index=models.Index(condition=models.Q(('is_key_person', True)), fields=['name', 'id'], name='person_key_name_idx'),
        ),
        migrations.RunPython(create_hire_indexes, drop_hire_indexes),
    ]
