"""Shipped disposal principles per warning level; administrators may change them."""

from django.db import migrations

PRINCIPLES = [
    (
        "red",
        "立即响应、快速处置：支部书记和分管领导第一时间到场或联系本人，稳控现场、保障人身安全，"
        "2 小时内上报党群工作部和领导班子，24 小时内形成处置结果。",
        2,
        True,
    ),
    (
        "orange",
        "重点关注、限时化解：支部书记牵头，明确责任人当日联系当事人，3 个工作日内拿出化解措施，"
        "提交周例会会诊。",
        24,
        True,
    ),
    (
        "yellow",
        "及时跟进、分级负责：网格员或包保人 3 日内谈心谈话，了解情况、解疑释惑，纳入月度分析。",
        72,
        False,
    ),
    (
        "blue",
        "关注苗头、常态管理：纳入日常谈心谈话和思想动态分析，定期回访。",
        168,
        False,
    ),
]


def add_defaults(apps, schema_editor):
    DisposalPrinciple = apps.get_model("insight", "DisposalPrinciple")
    for level, text, hours, leadership in PRINCIPLES:
        DisposalPrinciple.objects.get_or_create(
            level=level,
            defaults={"principles": text, "respond_hours": hours, "notify_leadership": leadership},
        )


class Migration(migrations.Migration):
    dependencies = [("insight", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
