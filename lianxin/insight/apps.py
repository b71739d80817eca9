from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "lianxin.insight"
    label = "insight"
    verbose_name = _("研判预警")
