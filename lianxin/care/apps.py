from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "lianxin.care"
    label = "care"
    verbose_name = _("谈心谈话与关爱")

    def ready(self) -> None:
        # Registers the care source of the person's file timeline.
        from lianxin.care import timeline  # noqa: F401
