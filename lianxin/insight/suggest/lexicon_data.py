"""The shipped lexicon: (kind, pattern, category, grade, weight, note) rows loaded into LexiconRule by the
data migration; administrators edit them afterwards."""

from __future__ import annotations

from typing import Any

# kind is "keyword" or "regex"; category a TAXONOMY.md code or ""; grade red/orange/yellow/blue or "".
RULES: list[tuple[str, str, str, str, float, str]] = []


def add_defaults(apps: Any, schema_editor: Any) -> None:
    LexiconRule = apps.get_model("insight", "LexiconRule")
    for kind, pattern, category, grade, weight, note in RULES:
        LexiconRule.objects.get_or_create(
            kind=kind,
            pattern=pattern,
            category=category,
            grade=grade,
            defaults={"weight": weight, "note": note},
        )
