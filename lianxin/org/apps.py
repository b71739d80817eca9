from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "lianxin.org"
    label = "org"
    verbose_name = _("组织与人员")

    def ready(self) -> None:
        from lianxin.org.counts import connect_signals

        connect_signals()
