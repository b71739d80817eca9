"""Stored per-unit people counts and coverage, filled once from the existing people and pairings."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, Q
from django.utils import timezone


def fill_counts(apps: Any, schema_editor: Any) -> None:
    Unit = apps.get_model("org", "Unit")
    Person = apps.get_model("org", "Person")
    Pairing = apps.get_model("org", "Pairing")
    UnitCount = apps.get_model("org", "UnitCount")
    today = timezone.localdate()
    active = Pairing.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)
    people = Person.objects.exclude(status="left")
    totals = dict(people.values_list("unit_id").annotate(n=Count("pk")).order_by())
    covered = dict(
        people.filter(pk__in=active.values("person_id")).values_list("unit_id").annotate(n=Count("pk")).order_by()
    )
    now = timezone.now()
    UnitCount.objects.bulk_create(
        (
            UnitCount(unit_id=pk, people=totals.get(pk, 0), covered=covered.get(pk, 0), refreshed_at=now)
            for pk in Unit.objects.values_list("pk", flat=True).iterator()
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0004_person_list_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='UnitCount',
            fields=[
                ('unit', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='count', serialize=False, to='org.unit')),
                ('people', models.PositiveIntegerField(default=0, help_text='不含离职人员', verbose_name='人数')),
                ('covered', models.PositiveIntegerField(default=0, help_text='今日至少有一位有效联系人', verbose_name='已结对人数')),
                ('refreshed_at', models.DateTimeField(verbose_name='统计时间')),
            ],
            options={
                'verbose_name': '单位人数统计',
                'verbose_name_plural': '单位人数统计',
            },
        ),
        migrations.RunPython(fill_counts, migrations.RunPython.noop),
    ]
