# The unit of each contact link, as DueItem keeps it: a unit's talks and visits of a month are then read
# by date and unit without joining the person table. Existing links take their person's present unit (the
# unit at the time of the talk was not recorded before); links made from now on keep the unit of the day.

import django.db.models.deletion
from django.db import migrations, models

FILL_POSTGRESQL = """
UPDATE care_contactperson AS link SET unit_id = person.unit_id
FROM org_person AS person
WHERE person.id = link.person_id AND link.unit_id IS NULL
"""

FILL_OTHER = """
UPDATE care_contactperson SET unit_id = (
    SELECT person.unit_id FROM org_person AS person WHERE person.id = care_contactperson.person_id
)
WHERE unit_id IS NULL
"""


def fill_units(apps, schema_editor):
    # One set-based statement: millions of links, no rows through Python.
    postgresql = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(FILL_POSTGRESQL if postgresql else FILL_OTHER)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0005_contact_counts"),
        ("org", "0007_counsellor_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="contactperson",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.unit",
                verbose_name="单位",
            ),
        ),
        migrations.RunPython(fill_units, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="contactperson",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.unit",
                verbose_name="单位",
            ),
        ),
        migrations.AddIndex(
            model_name="contactperson",
            index=models.Index(fields=["unit", "date"], name="care_contact_unit_date"),
        ),
        migrations.AddIndex(
            model_name="contactperson",
            index=models.Index(fields=["date", "unit"], name="care_contact_date_unit"),
        ),
    ]
