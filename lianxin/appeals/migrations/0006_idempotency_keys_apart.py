"""Idempotency keys leave the immutable original for their own expiring table.

The old column held, for an API submission, an HMAC of the caller's account id: an anonymous appeal
could be tied to the account that sent it. The column is dropped with its values, not copied: a key only
serves a retry within hours, and the old digests were made from the account. The immutability triggers
name every original column, so they are taken off for the change and put back without this one (on
SQLite, dropping a column rebuilds the table and its triggers with it).
"""

import django.db.models.deletion
from django.db import migrations, models

from lianxin.appeals import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0005_suggestion_evidence"),
    ]

    operations = [
        migrations.RunPython(remove, install),
        migrations.RemoveField(
            model_name="appeal",
            name="idempotency_key",
        ),
        migrations.RunPython(install, remove),
        migrations.CreateModel(
            name="IdempotencyKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(max_length=64, unique=True)),
                ("expires_at", models.DateTimeField(db_index=True)),
                (
                    "appeal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="appeals.appeal"
                    ),
                ),
            ],
            options={
                "verbose_name": "幂等键",
                "verbose_name_plural": "幂等键",
            },
        ),
    ]
