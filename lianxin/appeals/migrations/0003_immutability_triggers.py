"""Triggers that keep an appeal's original and its events unchanged in the database itself."""

from django.db import migrations

from lianxin.appeals import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0002_defaults"),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
