"""Insight configuration in the Django admin: disposal principles per warning level and the lexicon of
the triage suggester, edited by system administrators (the appeals' ConfigAdmin rules apply)."""

from __future__ import annotations

from django.contrib import admin

from lianxin.appeals.admin import ConfigAdmin
from lianxin.insight.models import DisposalPrinciple, LexiconRule


@admin.register(DisposalPrinciple)
class DisposalPrincipleAdmin(ConfigAdmin):
    list_display = ["level", "respond_hours", "notify_leadership"]


@admin.register(LexiconRule)
class LexiconRuleAdmin(ConfigAdmin):
    list_display = ["pattern", "kind", "category", "grade", "weight", "active"]
    list_filter = ["category", "grade", "kind", "active"]
    list_editable = ["weight", "active"]
    search_fields = ["pattern", "note"]
