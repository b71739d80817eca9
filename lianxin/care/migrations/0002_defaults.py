"""The shipped triggers of TAXONOMY.md: must-talk (必谈) and must-visit (必访) event kinds with their rules
(7 days, hospitalisation 3; the contact, or the branch secretary for discipline, safety violations,
appraisal feedback and retirement); administrators may change them."""

from django.db import migrations

# code, label, action, responsible, days
TRIGGERS = [
    ("discipline", "受到批评或处分", "talk", "secretary", 7),
    ("job_change", "岗位或职务变动", "talk", "contact", 7),
    ("newly_joined", "新入职", "talk", "contact", 7),
    ("task_failure", "重要任务未完成", "talk", "contact", 7),
    ("conflict", "关系紧张或发生矛盾", "talk", "contact", 7),
    ("safety_violation", "三违或责任事故", "talk", "secretary", 7),
    ("mood_change", "情绪明显变化", "talk", "contact", 7),
    ("commended", "受到表彰或提拔", "talk", "contact", 7),
    ("family_crisis", "家庭发生变故", "talk", "contact", 7),
    ("warning_signs", "出现异常苗头或同事反映", "talk", "contact", 7),
    ("appraisal_feedback", "考核结果反馈", "talk", "secretary", 7),
    ("hospitalised", "住院或患重病", "visit", "contact", 3),
    ("family_wedding_funeral", "直系亲属婚丧", "visit", "contact", 7),
    ("family_dispute", "家庭纠纷", "visit", "contact", 7),
    ("family_hardship", "家庭严重困难", "visit", "contact", 7),
    ("accident_injury", "发生意外或受伤", "visit", "contact", 7),
    ("repeated_absence", "多次缺勤或休假逾期未归", "visit", "contact", 7),
    ("childbirth", "生育", "visit", "contact", 7),
    ("retirement", "退休", "visit", "secretary", 7),
    ("holiday_visit", "重大节日走访离退休及困难人员", "visit", "contact", 7),
]


def add_defaults(apps, schema_editor):
    EventKind = apps.get_model("care", "EventKind")
    TriggerRule = apps.get_model("care", "TriggerRule")
    for order, (code, label, action, responsible, days) in enumerate(TRIGGERS):
        kind, _ = EventKind.objects.get_or_create(code=code, defaults={"label": label, "order": order})
        TriggerRule.objects.get_or_create(
            kind=kind, defaults={"action": action, "responsible": responsible, "amount": days, "unit": "days"}
        )


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
