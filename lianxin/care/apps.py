from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "lianxin.care"
    label = "care"
    verbose_name = _("谈心谈话与关爱")

    def ready(self) -> None:
        # Registers the care source of the person's file timeline.
        from lianxin.care import timeline  # noqa: F401
        from lianxin.care.roster_events import on_roster_people_changed
        from lianxin.org.roster.changes import roster_people_changed

        # A roster import's new hires, moves and retirements raise their must-talk and must-visit events.
        roster_people_changed.connect(on_roster_people_changed, dispatch_uid="care.roster_events")
        # A named appeal graded red or orange raises a must-talk or must-visit event for its submitter.
        from lianxin.care.appeal_events import connect_signals

        connect_signals()
