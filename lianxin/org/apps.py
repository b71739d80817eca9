from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "lianxin.org"
    label = "org"
    verbose_name = _("组织与人员")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lianxin.org.admins import refresh_admin_groups
        from lianxin.org.counts import connect_signals

        connect_signals()
        # Permissions exist only after migrate; an existing database's administrator groups then get
        # exactly the permissions lianxin.org.admins gives them now.
        post_migrate.connect(refresh_admin_groups, sender=self, dispatch_uid="lianxin.org.admin_groups")
