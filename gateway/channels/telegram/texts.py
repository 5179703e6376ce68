"""What the Telegram side says on its own, in the language of the customer's Telegram app."""
from __future__ import annotations

from gateway import texts
from gateway.texts.languages import language_of_locale


def text(language_code: str | None, key: str) -> str:
    return texts.text(language_of_locale(language_code), key)
