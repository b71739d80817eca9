"""The shipped categories and grade time limits of TAXONOMY.md; administrators may change them."""

from django.db import migrations

CATEGORIES = [
    ("pay", "薪酬福利", "工资、奖金、绩效、津贴、社保、公积金、加班费、欠薪"),
    ("career", "岗位发展", "调岗、晋升、职称、培训、劳动合同、考核结果"),
    ("safety", "安全生产", "隐患、设备故障、劳保用品、三违、事故、危险的超时劳动"),
    ("conditions", "工作条件与后勤", "食堂、宿舍、班车、排班与休息、工作环境、工具、设施"),
    ("hardship", "生活困难", "家人患病、子女上学、住房、经济困难、赡养老人、家庭受灾"),
    ("wellbeing", "身心健康", "压力、焦虑、情绪低落、失眠、人际冲突、心理求助"),
    ("conduct", "管理作风", "不公平对待、领导态度、欺凌、形式主义、党风廉政线索、纪律"),
    ("reform", "改革政策", "改制、减员、搬迁、薪酬制度改革、政策咨询"),
    ("suggestion", "意见建议", "改进建议、技术革新、合理化建议"),
    ("other", "其他", "其他"),
]
RULES = [
    # grade, response amount, unit, closure amount, unit, alert at once
    ("red", 2, "hours", 24, "hours", True),
    ("orange", 24, "hours", 3, "workdays", False),
    ("yellow", 3, "days", 7, "workdays", False),
    ("blue", 3, "days", 15, "days", False),
]


def add_defaults(apps, schema_editor):
    Category = apps.get_model("appeals", "Category")
    GradeRule = apps.get_model("appeals", "GradeRule")
    for order, (code, label, covers) in enumerate(CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={"label": label, "covers": covers, "order": order})
    for grade, r_amount, r_unit, c_amount, c_unit, alert in RULES:
        GradeRule.objects.get_or_create(
            grade=grade,
            defaults={"response_amount": r_amount, "response_unit": r_unit, "closure_amount": c_amount,
                      "closure_unit": c_unit, "alert_at_once": alert},
        )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
