"""The seam for automatic suggestions of category and grade. A person always confirms.

`suggest` returns nothing until a suggester is registered; the insight capability registers one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Suggestion:
    category: str = ""
    grade: str = ""
    evidence: list[str] = field(default_factory=list)
    # Why each evidence word counted, in words ("自伤意念"), where the suggester says.
    reasons: dict[str, str] = field(default_factory=dict)
    # For a red suggestion: how sure the red model is (0–1).
    confidence: float | None = None


def evidence_json(found: Suggestion | None) -> dict[str, Any] | None:
    """What an appeal keeps of a suggestion's evidence: each word with its reason, and the confidence."""
    if found is None or not found.evidence:
        return None
    return {
        "words": [{"word": word, "reason": found.reasons.get(word, "")} for word in found.evidence],
        "confidence": found.confidence,
    }


def evidence_items(stored: Any) -> tuple[list[dict[str, str]], float | None]:
    """The kept evidence as [{"word", "reason"}] and the confidence; also reads the older plain list of
    words."""
    if isinstance(stored, dict):
        words = stored.get("words") or []
        confidence = stored.get("confidence")
    else:
        words, confidence = stored or [], None
    items: list[dict[str, str]] = []
    for item in words if isinstance(words, list) else []:
        if isinstance(item, str):
            items.append({"word": item, "reason": ""})
        elif isinstance(item, dict) and isinstance(item.get("word"), str):
            items.append({"word": item["word"], "reason": str(item.get("reason") or "")})
    return items, float(confidence) if isinstance(confidence, int | float) else None


Suggester = Callable[[str], Suggestion | None]
_suggesters: list[Suggester] = []


def register_suggester(func: Suggester) -> Suggester:
    _suggesters.append(func)
    return func


def suggest(text: str) -> Suggestion | None:
    for func in _suggesters:
        found = func(text)
        if found is not None:
            return found
    return None
