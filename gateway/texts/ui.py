"""The words of the pages people read: the widget, the console and the staff pages.

They live beside the customer texts, as `UI` in `en.py` and `zh.py`, so a translator edits one
file per language. Pages get them inside their script bundle (gateway/web/pages.py), and pick
the language in the browser: the widget the visitor's, the staff pages the account's.
"""
from __future__ import annotations

import json

from gateway.texts import en, zh

# The codes staff accounts store and pages use (BCP 47, as `navigator.language` writes them).
LANGUAGES = ("zh-CN", "en")
DEFAULT = "en"
CATALOGUES = {"zh-CN": zh.UI, "en": en.UI}


def text(language: str | None, key: str, **fields) -> str:
    """A page word on the server's side, for the few pages it writes itself."""
    template = CATALOGUES.get(language or DEFAULT, CATALOGUES[DEFAULT])[key]
    return template.format(**fields) if fields else template


def code(language: str | None, prefix: str, value: str, **fields) -> str:
    """A code in the reader's words (`prefix` + `value`), or the code itself when the catalogue
    has no words for it, as the pages' `I18n.code` does."""
    key = prefix + str(value)
    return text(language, key, **fields) if key in CATALOGUES[DEFAULT] else str(value)


def catalogues_json(*prefixes: str) -> str:
    """Both catalogues as a JS object literal, cut to the keys under `prefixes` (all when none):
    the widget carries only its own words onto a shop's page."""
    def keep(key: str) -> bool:
        return not prefixes or key == "language.name" or key.startswith(prefixes)

    chosen = {code: {k: v for k, v in words.items() if keep(k)} for code, words in CATALOGUES.items()}
    # ASCII only: nothing in it can end a script or read as a line break (U+2028) to old parsers.
    return json.dumps(chosen, ensure_ascii=True, sort_keys=True)
