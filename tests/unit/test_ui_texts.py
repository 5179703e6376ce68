"""The page catalogues (UI in gateway/texts/en.py and zh.py) against each other and against
the pages: a word a page asks for that either language lacks fails here, and so does a
catalogue word no page uses any more."""
import re
import string
from pathlib import Path

import pytest

from gateway.texts import ui

STATIC = Path(__file__).parents[2] / "gateway" / "web" / "static"
ROOT = Path(__file__).parents[2]
# Server modules that write page words themselves: the pages it renders, and the context
# package's reasons and summary, which it writes in the reader's language.
SERVER_PAGES = [ROOT / "gateway" / "web" / "pages.py", ROOT / "handoff" / "context_words.py"]
# t("key") and t("key", {...}) in scripts, data-i18n*="key" in HTML, ui.text(lang, "key") on the server,
# and both keys of t(flag ? "key.a" : "key.b", ...).
USES = re.compile(r'''(?<![\w.$])t\(\s*"([\w.-]+)"\s*[,)]|data-i18n(?:-[a-z-]+)?="([^"]*)"|ui\.text\(\w+, "([\w.-]+)"'''
                  r'''|(?<![\w.$])t\([^()"?]*\?\s*"([\w.-]+)"\s*:\s*"([\w.-]+)"''')
# t("hours.day." + day), I18n.code("staff.role.", role) and ui.code(language, "console.reason.", code):
# every key under the prefix counts as used; the prefix must exist.
PREFIXED = re.compile(r'''(?:(?<![\w.$])t\(|I18n\.code\(|ui\.code\(\w+,)\s*"([\w.-]+\.)"\s*[+,]''')
# Anything else computed cannot be checked: t(key), t(a + b).
COMPUTED = re.compile(r'''(?<![\w.$])t\((?!\s*"[\w.-]+"\s*[,)])(?!\s*"[\w.-]+\."\s*\+)'''
                      r'''(?![^()"?]*\?\s*"[\w.-]+"\s*:\s*"[\w.-]+")''')
# Words the helper reads by name rather than through t().
READ_BY_NAME = {"language.name"}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def pages() -> list[Path]:
    return sorted([*STATIC.glob("*.js"), *STATIC.glob("*.html"), *SERVER_PAGES])


def used_keys() -> dict[str, str]:
    found = {}
    for page in pages():
        for match in USES.finditer(page.read_text(encoding="utf-8")):
            for key in filter(None, match.groups()):
                found.setdefault(key, page.name)
    return found


def used_prefixes() -> dict[str, str]:
    return {m.group(1): page.name for page in pages() for m in PREFIXED.finditer(page.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("language", ui.LANGUAGES)
def test_every_language_has_every_key_filled_with_the_same_placeholders(language):
    reference, catalogue = ui.CATALOGUES[ui.DEFAULT], ui.CATALOGUES[language]
    assert set(catalogue) == set(reference), f"keys only in one language: {set(catalogue) ^ set(reference)}"
    for key, template in catalogue.items():
        assert template.strip(), f"{language} {key} is empty"
        assert fields(template) == fields(reference[key]), f"{language} {key}: placeholders differ"


def test_the_pages_find_every_key_they_use_in_both_languages():
    used = used_keys()
    assert len(used) > 100, "the scan found too few keys to be reading the pages"
    for language in ui.LANGUAGES:
        missing = {key: page for key, page in used.items() if key not in ui.CATALOGUES[language]}
        assert not missing, f"missing in {language}: {missing}"


def test_every_key_prefix_a_page_completes_exists_in_both_languages():
    for prefix, page in used_prefixes().items():
        for language in ui.LANGUAGES:
            assert any(k.startswith(prefix) for k in ui.CATALOGUES[language]), f"{page}: no {prefix}* in {language}"


def test_every_catalogue_key_is_used_by_a_page():
    prefixes = tuple(used_prefixes())
    dead = {k for k in ui.CATALOGUES[ui.DEFAULT] if not (prefixes and k.startswith(prefixes))}
    dead -= set(used_keys()) | READ_BY_NAME
    assert not dead, f"no page uses: {sorted(dead)}"


def test_the_pages_name_their_keys_so_they_can_be_checked():
    for page in STATIC.glob("*.js"):
        if page.name == "i18n.js":  # the helper itself
            continue
        computed = [m.group(0) for m in COMPUTED.finditer(page.read_text(encoding="utf-8"))]
        assert not computed, f"{page.name} computes a key the tests cannot check"


def test_the_bundles_carry_both_catalogues_as_plain_ascii():
    words = ui.catalogues_json("widget.")
    assert words.isascii() and "</" not in words
    assert '"widget.send"' in words and '"console.claim"' not in words
