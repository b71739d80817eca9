from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default = True
    name = "lianxin.audit"
    label = "audit"
    verbose_name = _("审计")

    def ready(self) -> None:
        from lianxin.audit import logins

        logins.connect()


class AuditedAdminConfig(admin_apps.AdminConfig):
    """Django's admin with a site that records every change made through it in the audit events."""

    default = False
    default_site = "lianxin.audit.admin_site.AuditedAdminSite"
