"""What the gateway writes to customers, one catalogue per language (`en.py`, `zh.py`), and
which language a conversation gets.

A channel's own locale (Telegram's `language_code`) comes first: it is what the customer
set their app to. Otherwise the language of what they wrote lately decides.
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Iterable, Protocol

from gateway.texts import en, zh
from gateway.texts.languages import detect_language, language_of_locale

CATALOGUES = {"en": en.TEXTS, "zh": zh.TEXTS}
DEFAULT = "en"
# The last few messages, not the whole history: a reply of "ok" after a Chinese
# conversation stays Chinese, and a customer who switched language is followed.
RECENT = 3


class Said(Protocol):
    sender: str
    text: str
    meta: dict


def text(language: str | None, key: str, **fields) -> str:
    template = CATALOGUES.get(language or DEFAULT, CATALOGUES[DEFAULT])[key]
    return template.format(**fields) if fields else template


def is_label(message: str, key: str) -> bool:
    """Whether a message is one of our own quick-reply labels, in any language."""
    cleaned = message.strip().lower()
    return any(cleaned == catalogue[key].lower() for catalogue in CATALOGUES.values())


def customer_language(history: Iterable[Said], current: str | None = None) -> str:
    """The conversation's language: the customer's channel locale, else `current` (the
    message being answered), else their recent messages, else English."""
    said = [m for m in history if m.sender == "customer"]
    for message in reversed(said):
        if (message.meta or {}).get("language"):
            return language_of_locale(message.meta["language"])
    if current and _has_words(current):
        return detect_language(current)
    # A number ("1111", an order number) is in no language: the words around it decide.
    recent = [m.text for m in said if _has_words(m.text)][-RECENT:]
    return detect_language(" ".join(recent)) if recent else DEFAULT


def _has_words(text: str) -> bool:
    return any(c.isalpha() for c in text)


def opening_time(language: str, at: datetime, zone: tzinfo) -> str:
    """When people are back, on the shop's clock, written the way the language writes dates."""
    local = at.astimezone(zone)
    words = CATALOGUES.get(language, CATALOGUES[DEFAULT])
    return text(language, "opening_time", weekday=words["weekdays"].split()[local.weekday()], day=local.day,
                month=words["months"].split()[local.month - 1], time=f"{local:%H:%M}",
                zone=getattr(zone, "key", str(zone)))
