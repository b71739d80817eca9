"""The shipped unit kinds and difficulty tags; administrators may change them."""

from django.db import migrations

KINDS = [
    ("enterprise", "企业/党委", 0, False),
    ("department", "部门", 1, False),
    ("district", "区队", 1, False),
    ("branch", "党支部", 1, True),
    ("team", "班组", 2, False),
    ("party_group", "党小组", 2, False),
]
TAGS = ["困难职工", "大病医疗", "单亲家庭", "子女就学", "住房困难", "赡养老人", "因灾受困"]


def add_defaults(apps, schema_editor):
    UnitKind = apps.get_model("org", "UnitKind")
    DifficultyTag = apps.get_model("org", "DifficultyTag")
    for code, name, level, is_branch in KINDS:
        UnitKind.objects.get_or_create(code=code, defaults={"name": name, "level": level, "is_branch": is_branch})
    for tag in TAGS:
        DifficultyTag.objects.get_or_create(name=tag)


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
