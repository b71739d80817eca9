"""The seam for automatic suggestions of category and grade. A person always confirms.

`suggest` returns nothing until a suggester is registered; the insight capability registers one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Suggestion:
    category: str = ""
    grade: str = ""
    evidence: list[str] = field(default_factory=list)


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
