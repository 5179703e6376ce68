"""REST for the /kb editor page: publish, diff and roll back versions, export, and the
questions the bot could not answer. Reading stays open to agents; every change is editors'."""
from __future__ import annotations


from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from gateway.privacy import pii
from gateway.web.auth import KB_READERS, KB_WRITERS, author, require
from gateway.json_api.errors import ApiError, read_json
from gateway.web.services import WebServices
from gateway.json_api.storable import LARGEST_VERSION, whole
from knowledge_base.entry import EntryStatus, KbEntryIn
from knowledge_base.exporters import EXPORT_FORMATS, export_entries
from knowledge_base.service import EntryExists, EntryNotFound, KnowledgeBase, VersionConflict, VersionNotFound
from knowledge_base.unanswered import AlreadyHandled, NotUnanswered, mark_handled, unanswered_groups

SERVICES = web.AppKey("kb_editor_services", WebServices)
EXPORT_TYPES = {"json": "application/json", "yaml": "application/yaml", "csv": "text/csv"}
MAX_GROUP = 500


class VersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=LARGEST_VERSION, description="the version this change started from")


class RollbackIn(VersionIn):
    to_version: int = Field(ge=1, le=LARGEST_VERSION, description="the recorded version whose text comes back")


class MessageIdsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_ids: list[int] = Field(min_length=1, max_length=MAX_GROUP)


class UnansweredEntryIn(KbEntryIn):
    """A new entry plus the unanswered questions it answers; they leave the list with it."""
    message_ids: list[int] = Field(min_length=1, max_length=MAX_GROUP)


def _services(request: web.Request) -> WebServices:
    return request.app[SERVICES]


def _kb(request: web.Request) -> KnowledgeBase:
    return _services(request).knowledge


def _entry_id(request: web.Request) -> str:
    return request.match_info["entry_id"]


def _whole(request: web.Request, name: str) -> int:
    raw = request.query.get(name)
    if (whole(raw, LARGEST_VERSION) or 0) < 1:
        raise ApiError(422, f"{name} must be a version number (1 or more)")
    return int(raw)


async def _entry_call(request: web.Request, call):
    """The usual answers for an entry that is missing, stale or lacks the asked-for version."""
    try:
        return await call
    except EntryNotFound:
        raise ApiError(404, f"no entry {_entry_id(request)!r}") from None
    except VersionNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except VersionConflict as exc:
        raise ApiError(409, str(exc), current_version=exc.current) from None


@require(*KB_READERS)
async def entry_diff(request: web.Request) -> web.Response:
    """What changed between two versions of an entry, field by field."""
    start, end = _whole(request, "from"), _whole(request, "to")
    return web.json_response(await _entry_call(request, _kb(request).diff(_entry_id(request), start, end)))


def _status_change(status: EntryStatus):
    @require(*KB_WRITERS)
    async def handler(request: web.Request) -> web.Response:
        body = await read_json(request, VersionIn)
        return web.json_response(await _entry_call(
            request, _kb(request).set_status(_entry_id(request), status, author(request), body.version)))

    handler.body_model = VersionIn
    handler.__doc__ = f"Make the entry {status} as it stands."
    return handler


publish_entry = _status_change(EntryStatus.PUBLISHED)
unpublish_entry = _status_change(EntryStatus.DRAFT)


@require(*KB_WRITERS)
async def rollback_entry(request: web.Request) -> web.Response:
    """A new version with the text of an older one (the status stays)."""
    body = await read_json(request, RollbackIn)
    return web.json_response(await _entry_call(
        request, _kb(request).rollback(_entry_id(request), body.to_version, author(request), body.version)))


rollback_entry.body_model = RollbackIn


@require(*KB_READERS)
async def export(request: web.Request) -> web.Response:
    """The entries as a JSON, YAML or CSV file the importers read back."""
    # Not masked: entries are the shop's own published text, whose contact numbers and
    # addresses customers are meant to read, and a masked file would not import back as it was.
    fmt = request.query.get("format", "json")
    if fmt not in EXPORT_FORMATS:
        raise ApiError(422, f"format must be one of {', '.join(EXPORT_FORMATS)}")
    status = request.query.get("status") or None
    if status is not None and status not in EntryStatus.__members__.values():
        raise ApiError(422, f"status must be one of {', '.join(EntryStatus)}")
    entries = await _kb(request).list(status=status, limit=10**7)
    try:
        text = export_entries(entries, fmt)
    except ValueError as exc:  # a CSV cell that cannot hold an item
        raise ApiError(422, str(exc)) from None
    name = f"knowledge-base{'-' + status if status else ''}.{fmt}"
    return web.Response(text=text, content_type=EXPORT_TYPES[fmt], charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@require(*KB_WRITERS)
async def unanswered(request: web.Request) -> web.Response:
    """Questions the bot handed off for low confidence, grouped by meaning."""
    services = _services(request)
    async with services.uow() as uow:
        groups = await unanswered_groups(uow.unanswered, services.knowledge.search.encoders.values())
    return web.json_response({"groups": [_masked_group(g) for g in groups],
                              "questions": sum(g["size"] for g in groups)})


def _masked_group(group: dict) -> dict:
    """Editors need what customers asked, not who they are: "call me on 138…" keeps its words."""
    return {**group, "question": pii.mask(group["question"]),
            "phrasings": list(dict.fromkeys(pii.mask(text) for text in group["phrasings"])),
            "questions": [pii.mask_fields(q, "text") for q in group["questions"]]}


def _handled_errors(exc: Exception) -> ApiError:
    if isinstance(exc, NotUnanswered):
        return ApiError(422, str(exc))
    if isinstance(exc, IntegrityError):  # another editor handled it between our check and commit
        return ApiError(409, "already handled by someone else; reload the list")
    return ApiError(409, str(exc))


@require(*KB_WRITERS)
async def unanswered_to_entry(request: web.Request) -> web.Response:
    """A new entry from unanswered questions, which leave the list with it."""
    body = await read_json(request, UnansweredEntryIn)
    services, who = _services(request), author(request)
    entry = KbEntryIn(**body.model_dump(exclude={"message_ids"}))

    async def handle(uow, row) -> None:
        await mark_handled(uow.unanswered, body.message_ids, "entry", who, services.clock(), entry_id=row.id)

    try:
        created = await services.knowledge.create(entry, who, within=handle)
    except EntryExists as exc:
        raise ApiError(409, str(exc)) from None
    except (NotUnanswered, AlreadyHandled, IntegrityError) as exc:
        raise _handled_errors(exc) from None
    return web.json_response({"entry": created, "handled": len(set(body.message_ids))}, status=201)


unanswered_to_entry.body_model = UnansweredEntryIn


@require(*KB_WRITERS)
async def dismiss_unanswered(request: web.Request) -> web.Response:
    """Take unanswered questions off the list without an entry."""
    body = await read_json(request, MessageIdsIn)
    services = _services(request)
    try:
        async with services.uow() as uow:
            await mark_handled(uow.unanswered, body.message_ids, "dismissed", author(request), services.clock())
            await uow.commit()
    except (NotUnanswered, AlreadyHandled, IntegrityError) as exc:
        raise _handled_errors(exc) from None
    return web.json_response({"dismissed": len(set(body.message_ids))})


dismiss_unanswered.body_model = MessageIdsIn


def add_routes(app: web.Application, services: WebServices) -> None:
    app[SERVICES] = services
    r = app.router
    r.add_get("/api/kb/entries/{entry_id}/diff", entry_diff)
    r.add_post("/api/kb/entries/{entry_id}/publish", publish_entry)
    r.add_post("/api/kb/entries/{entry_id}/unpublish", unpublish_entry)
    r.add_post("/api/kb/entries/{entry_id}/rollback", rollback_entry)
    r.add_get("/api/kb/export", export)
    r.add_get("/api/kb/unanswered", unanswered)
    r.add_post("/api/kb/unanswered/entry", unanswered_to_entry)
    r.add_post("/api/kb/unanswered/dismiss", dismiss_unanswered)
