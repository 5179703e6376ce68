"""What a client sends must fit every database backend, or be refused as a 422: a value that
SQLite stores and PostgreSQL refuses (or the reverse) would otherwise surface as a driver
error, a 500, on one of them only."""
from __future__ import annotations

from aiohttp import web

LARGEST = 2**63 - 1  # BIGINT, and every SQLite integer
LARGEST_VERSION = 2**31 - 1  # versions are INTEGER columns on PostgreSQL


def whole(raw: str | None, largest: int = LARGEST) -> int | None:
    """A query or path value written in ASCII digits that fits, else None. str.isdigit alone
    also accepts '²' or '٣', which int() refuses or reads as another number."""
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(largest)):
        return None
    value = int(raw)
    return value if value <= largest else None


def text_problem(text: str) -> str | None:
    # PostgreSQL text cannot hold NUL; a lone surrogate (JSON may escape one) is no UTF-8 at all.
    if "\x00" in text:
        return "text may not contain a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text may not contain a lone surrogate"
    return None


def problem(data: object) -> str | None:
    """Why a parsed JSON body cannot be stored, or None."""
    stack = [data]
    while stack:  # a loop, not recursion: a body may nest as deep as the JSON parser allows
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and (found := text_problem(item)):
            return found
        elif isinstance(item, int) and not isinstance(item, bool) and not -LARGEST - 1 <= item <= LARGEST:
            return f"numbers must be whole numbers of at most {LARGEST}"
    return None


@web.middleware
async def refuse_unstorable(request: web.Request, handler):
    """The same for path and query values of API routes (read_json checks bodies); json_errors
    turns the refusal into the usual error body."""
    if request.path.startswith("/api/"):
        for value in (*request.match_info.values(), *request.query.values()):
            if found := text_problem(value):
                raise web.HTTPUnprocessableEntity(reason=found)
    return await handler(request)
