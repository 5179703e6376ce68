"""REST for the knowledge base: agents read and search it, editors change it."""
from __future__ import annotations

import asyncio
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bot.retrieval_responder import RetrievalResponder
from gateway.conversations.model import MAX_TEXT_LENGTH
from gateway.web.auth import KB_READERS, KB_WRITERS, author, require
from gateway.json_api.errors import ApiError, read_json
from gateway.json_api.storable import LARGEST_VERSION, whole
from knowledge_base.entry import EntryStatus, KbEntryIn
from knowledge_base.importers import FORMATS, KbImportError, parse_entries
from knowledge_base.service import EntryExists, EntryNotFound, KnowledgeBase, VersionConflict

KNOWLEDGE = web.AppKey("knowledge", KnowledgeBase)
BOT = web.AppKey("bot", RetrievalResponder)
# How long a search just after a start waits for the bot's models and index before a 503.
WARMING_WAIT_SECONDS = 15
MAX_IMPORT = 10 * 1024 * 1024


class EntryUpdateIn(KbEntryIn):
    version: int = Field(ge=1, le=LARGEST_VERSION, description="the version this edit started from")


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    top_k: int = Field(5, ge=1, le=20)


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal[FORMATS]  # type: ignore[valid-type]
    content: str = Field(max_length=MAX_IMPORT)
    publish: bool = False


def _kb(request: web.Request) -> KnowledgeBase:
    return request.app[KNOWLEDGE]


def _entry_id(request: web.Request) -> str:
    return request.match_info["entry_id"]


@require(*KB_READERS)
async def list_entries(request: web.Request) -> web.Response:
    q = request.query
    status = q.get("status")
    if status is not None and status not in EntryStatus.__members__.values():
        raise ApiError(422, f"status must be one of {', '.join(EntryStatus)}")
    entries = await _kb(request).list(status=status, language=q.get("language"), text=q.get("q"))
    return web.json_response({"entries": entries})


@require(*KB_WRITERS)
async def create_entry(request: web.Request) -> web.Response:
    entry = await read_json(request, KbEntryIn)
    try:
        created = await _kb(request).create(entry, author(request))
    except EntryExists as exc:
        raise ApiError(409, str(exc)) from None
    return web.json_response(created, status=201)


@require(*KB_READERS)
async def get_entry(request: web.Request) -> web.Response:
    try:
        return web.json_response(await _kb(request).get(_entry_id(request)))
    except EntryNotFound:
        raise ApiError(404, f"no entry {_entry_id(request)!r}") from None


@require(*KB_READERS)
async def entry_history(request: web.Request) -> web.Response:
    try:
        return web.json_response({"versions": await _kb(request).history(_entry_id(request))})
    except EntryNotFound:
        raise ApiError(404, f"no entry {_entry_id(request)!r}") from None


@require(*KB_WRITERS)
async def update_entry(request: web.Request) -> web.Response:
    body = await read_json(request, EntryUpdateIn)
    entry = KbEntryIn(**body.model_dump(exclude={"version"}))
    try:
        updated = await _kb(request).update(_entry_id(request), entry, author(request), body.version)
    except EntryNotFound:
        raise ApiError(404, f"no entry {_entry_id(request)!r}") from None
    except VersionConflict as exc:
        raise ApiError(409, str(exc), current_version=exc.current) from None
    return web.json_response(updated)


@require(*KB_WRITERS)
async def delete_entry(request: web.Request) -> web.Response:
    raw = request.query.get("version")
    if raw is not None and whole(raw, LARGEST_VERSION) is None:
        raise ApiError(422, "version must be a whole number")
    try:
        await _kb(request).delete(_entry_id(request), author(request), int(raw) if raw else None)
    except EntryNotFound:
        raise ApiError(404, f"no entry {_entry_id(request)!r}") from None
    except VersionConflict as exc:
        raise ApiError(409, str(exc), current_version=exc.current) from None
    return web.Response(status=204)


# A whole FAQ file arrives as one JSON body; every other body is far smaller.
MAX_IMPORT_BYTES = 12 * 1024 * 1024


@require(*KB_WRITERS)
async def import_entries(request: web.Request) -> web.Response:
    body = await read_json(request, ImportIn, max_bytes=MAX_IMPORT_BYTES)
    try:
        entries = parse_entries(body.content, body.format)
    except KbImportError as exc:
        raise ApiError(422, "nothing imported: the file has errors", problems=[
            {"location": p.location, "field": p.field, "message": p.message} for p in exc.problems]) from None
    report = await _kb(request).import_entries(entries, author(request), publish=body.publish)
    return web.json_response(vars(report))


async def until_ready(knowledge: KnowledgeBase) -> None:
    """Just after a start: an answer waits for the index rather than being made without it,
    and a 503 `warming` tells the client to come back when that takes too long."""
    try:
        async with asyncio.timeout(WARMING_WAIT_SECONDS):
            await knowledge.ready()
    except TimeoutError:
        raise ApiError(503, f"the bot is not ready yet ({knowledge.state})", "warming",
                       headers={"Retry-After": "5"}) from None


@require(*KB_READERS)
async def search(request: web.Request) -> web.Response:
    body = await read_json(request, SearchIn)
    await until_ready(_kb(request))
    decision = await request.app[BOT].decide(body.text)
    summary = decision.summary()
    summary["results"] = summary["results"][: body.top_k]
    if decision.entry is not None:
        summary["answer"] = decision.entry.answer
    return web.json_response(summary)


def add_routes(app: web.Application, knowledge: KnowledgeBase, bot: RetrievalResponder) -> None:
    app[KNOWLEDGE] = knowledge
    app[BOT] = bot
    r = app.router
    r.add_get("/api/kb/entries", list_entries)
    r.add_post("/api/kb/entries", create_entry)
    r.add_get("/api/kb/entries/{entry_id}", get_entry)
    r.add_put("/api/kb/entries/{entry_id}", update_entry)
    r.add_delete("/api/kb/entries/{entry_id}", delete_entry)
    r.add_get("/api/kb/entries/{entry_id}/history", entry_history)
    r.add_post("/api/kb/import", import_entries)
    r.add_post("/api/kb/search", search)
