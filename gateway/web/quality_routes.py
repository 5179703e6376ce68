"""Quality review for supervisors: draw a random sample of resolved conversations, score each
on the checklist, read the figures per agent. Transcripts come from GET /api/conversations/{id}."""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.web.handoff_errors import api_error
from gateway.web.auth import PRINCIPAL, SUPERVISORS, require
from gateway.json_api.errors import ApiError, read_json
from gateway.web.services import WebServices
from gateway.json_api.storable import whole
from handoff.errors import HandoffRefused
from handoff.quality import MAX_SAMPLE, Checklist, QualityReviews

QUALITY = web.AppKey("quality", QualityReviews)


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period_from: AwareDatetime = Field(description="ISO 8601 with a time zone; resolved at or after this")
    period_to: AwareDatetime = Field(description="resolved before this")
    size: int = Field(ge=1, le=MAX_SAMPLE)
    seed: str | None = Field(None, min_length=1, max_length=64, description="omitted = a random one, recorded")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conversation_id: str = Field(min_length=1, max_length=32)
    sample_id: int | None = None
    courtesy: int = Field(ge=1, le=5)
    accuracy: int = Field(ge=1, le=5)
    resolved: bool
    forbidden_hits: int | None = Field(None, ge=0, le=10_000, description="omitted = the reply guard's count")
    comment: str | None = Field(None, max_length=5000)


def query_time(request: web.Request, name: str) -> datetime | None:
    """An optional ISO time in the query string; a date alone means its UTC midnight. 422 if unreadable."""
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, f"{name}: an ISO 8601 date or time, e.g. 2026-11-01 or 2026-11-01T08:00:00+08:00") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


async def _run(coro):
    try:
        return await coro
    except HandoffRefused as exc:
        raise api_error(exc) from None


@require(*SUPERVISORS)
async def draw_sample(request: web.Request) -> web.Response:
    body = await read_json(request, SampleIn)
    drawn = await _run(request.app[QUALITY].draw(request[PRINCIPAL], body.period_from, body.period_to, body.size,
                                                 body.seed))
    return web.json_response(drawn, status=201)


draw_sample.body_model = SampleIn


@require(*SUPERVISORS)
async def list_samples(request: web.Request) -> web.Response:
    return web.json_response({"samples": await request.app[QUALITY].samples()})


@require(*SUPERVISORS)
async def get_sample(request: web.Request) -> web.Response:
    raw = request.match_info["sample_id"]
    if whole(raw) is None:
        raise ApiError(404, f"no sample {raw!r}")
    return web.json_response(await _run(request.app[QUALITY].sample(int(raw))))


@require(*SUPERVISORS)
async def add_review(request: web.Request) -> web.Response:
    body = await read_json(request, ReviewIn)
    checklist = Checklist(body.courtesy, body.accuracy, body.resolved, body.forbidden_hits, body.comment)
    saved = await _run(request.app[QUALITY].review(request[PRINCIPAL], body.conversation_id, checklist,
                                                   body.sample_id))
    return web.json_response(saved, status=201)


add_review.body_model = ReviewIn


@require(*SUPERVISORS)
async def report(request: web.Request) -> web.Response:
    rows = await request.app[QUALITY].report(query_time(request, "from"), query_time(request, "to"))
    return web.json_response({"agents": rows})


def add_routes(app: web.Application, services: WebServices) -> None:
    app[QUALITY] = QualityReviews(services.uow, services.clock)
    r = app.router
    r.add_post("/api/quality/samples", draw_sample)
    r.add_get("/api/quality/samples", list_samples)
    r.add_get("/api/quality/samples/{sample_id}", get_sample)
    r.add_post("/api/quality/reviews", add_review)
    r.add_get("/api/quality/report", report)
