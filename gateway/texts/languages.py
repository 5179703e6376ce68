"""The shop's two languages: which one a text is in, and which one a client's locale means.

A shared helper: the knowledge base files entries by it, channels map their locales with
it, and the texts and the reply guard follow it, so each of them reads a text alike.
"""
from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def detect_language(text: str) -> str:
    """zh when the text has any Han character, else en: the two languages the shop serves."""
    return "zh" if _CJK.search(text) else "en"


def language_of_locale(locale: str | None) -> str:
    """A client's locale (Telegram's zh-hans, a browser's en-US…) mapped onto the two languages."""
    return "zh" if locale and locale.lower().startswith("zh") else "en"
