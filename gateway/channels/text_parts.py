"""Long texts cut into parts a channel accepts, at the most natural break available."""
from __future__ import annotations

# Paragraph, line, sentence, then word breaks; a hard cut only when a part has none.
BREAKS = ("\n\n", "\n", "。", "！", "？", ". ", "! ", "? ", "，", ", ", " ")


def utf16_length(text: str) -> int:
    """Telegram counts UTF-16 code units: an emoji outside the BMP is two."""
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int) -> list[str]:
    if limit < 2:  # an emoji is two UTF-16 units: below that no part could ever hold one
        raise ValueError("limit must be at least 2 UTF-16 units")
    parts: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        end = _fitting_prefix(rest, limit)
        cut = end
        for mark in BREAKS:
            at = rest.rfind(mark, 0, end - len(mark) + 1)
            if at > end // 2:  # a break in the first half would leave a stub part
                cut = at + len(mark)
                break
        # Only a text that starts with whitespace can yield an empty part here, and a channel
        # refuses an empty message.
        if part := rest[:cut].rstrip():
            parts.append(part)
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts
