"""REST for what the knowledge base learns and finds out about itself: customers' words
proposed as alternates (approved or rejected by editors), and the entries its self-check
found confusable."""
from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from gateway.web.auth import KB_WRITERS, author, require
from gateway.json_api.errors import ApiError
from gateway.web.services import WebServices
from gateway.json_api.storable import whole
from knowledge_base.proposals import STATUSES, ProposalDecided, ProposalNotFound, Proposals
from knowledge_base.service import EntryNotFound, VersionConflict

SERVICES = web.AppKey("kb_review_services", WebServices)
MOST = 500


def _proposals(request: web.Request) -> Proposals:
    services = request.app[SERVICES]
    return Proposals(services.uow, services.knowledge, services.clock)


def _proposal_id(request: web.Request) -> int:
    found = whole(request.match_info["proposal_id"])
    if found is None:
        raise ApiError(404, f"no proposal {request.match_info['proposal_id']!r}")
    return found


@require(*KB_WRITERS)
async def list_proposals(request: web.Request) -> web.Response:
    status = request.query.get("status", "pending")
    if status not in (*STATUSES, "all"):
        raise ApiError(422, f"status must be one of {', '.join(STATUSES)} or all")
    found = await _proposals(request).list(None if status == "all" else status, MOST)
    return web.json_response({"proposals": found})


async def _decide(request: web.Request, call) -> web.Response:
    try:
        return web.json_response(await call)
    except (ProposalNotFound, EntryNotFound):
        raise ApiError(404, f"no proposal {_proposal_id(request)} (or its entry is gone)") from None
    except (ProposalDecided, VersionConflict) as exc:
        raise ApiError(409, str(exc)) from None


@require(*KB_WRITERS)
async def approve_proposal(request: web.Request) -> web.Response:
    """The words become an alternate of their entry: a new version, live at once if the entry is."""
    return await _decide(request, _proposals(request).approve(_proposal_id(request), author(request)))


@require(*KB_WRITERS)
async def reject_proposal(request: web.Request) -> web.Response:
    return await _decide(request, _proposals(request).reject(_proposal_id(request), author(request)))


@require(*KB_WRITERS)
async def confusable(request: web.Request) -> web.Response:
    """Pairs of published entries the bot would take one for the other; it asks the customer
    to choose between them instead of guessing."""
    search = request.app[SERVICES].knowledge.search
    return web.json_response({"pairs": [asdict(p) for p in search.confusable_pairs]})


def add_routes(app: web.Application, services: WebServices) -> None:
    app[SERVICES] = services
    r = app.router
    r.add_get("/api/kb/proposals", list_proposals)
    r.add_post("/api/kb/proposals/{proposal_id}/approve", approve_proposal)
    r.add_post("/api/kb/proposals/{proposal_id}/reject", reject_proposal)
    r.add_get("/api/kb/confusable", confusable)
