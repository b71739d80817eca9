from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "lianxin.reports"
    label = "reports"
    verbose_name = _("思想动态分析报告")
