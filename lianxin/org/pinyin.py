"""Pinyin initials for searching Chinese names by their first letters (张三丰 → zsf)."""

from pypinyin import Style, lazy_pinyin


def initials(text: str) -> str:
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(letters).lower()[:50]
