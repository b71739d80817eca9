from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "lianxin.appeals"
    label = "appeals"
    verbose_name = _("诉求")

    def ready(self) -> None:
        # Registers the appeals source of the person's file timeline.
        from lianxin.appeals import timeline  # noqa: F401
