from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "lianxin.insight"
    label = "insight"
    verbose_name = _("研判预警")

    def ready(self) -> None:
        # A triage to red or orange raises its warning as soon as it commits.
        from lianxin.insight.watch import connect_signals

        connect_signals()
        # The triage suggester: the lexicon rules, and the learned model once one beats them.
        from lianxin.appeals.triage import register_suggester
        from lianxin.insight.suggest.engine import suggest_text

        register_suggester(suggest_text)
