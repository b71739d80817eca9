# Stored contact coverage per unit; due-item events that record a climb over several levels; the
# open-item index without the level, and free space on the due-item pages (PostgreSQL) for in-place updates.

import django.db.models.deletion
from django.db import migrations, models

# Due items are rewritten a few times each (escalations, fulfilment); with 30 % of each page free the
# rewrite stays on its page and touches no index (a HOT update) as long as no indexed column changes.
FILLFACTOR = 70


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE care_dueitem SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE care_dueitem RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0004_consent_report_purpose"),
        ("org", "0007_counsellor_role"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnitContactCount",
            fields=[
                (
                    "unit",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="contact_count",
                        serialize=False,
                        to="org.unit",
                    ),
                ),
                ("days", models.PositiveSmallIntegerField(verbose_name="统计天数")),
                ("people", models.PositiveIntegerField(default=0, verbose_name="人数")),
                ("contacted", models.PositiveIntegerField(default=0, verbose_name="已联系人数")),
                ("computed_on", models.DateField(verbose_name="统计日期")),
                ("computed_at", models.DateTimeField(verbose_name="统计时间")),
            ],
            options={
                "verbose_name": "单位联系覆盖统计",
                "verbose_name_plural": "单位联系覆盖统计",
            },
        ),
        migrations.AddField(
            model_name="dueitemevent",
            name="from_level",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.RemoveIndex(
            model_name="dueitem",
            name="care_due_open_level",
        ),
        migrations.AddIndex(
            model_name="dueitem",
            index=models.Index(
                condition=models.Q(("done_at__isnull", True)), fields=["due_at"], name="care_due_open_due"
            ),
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
