"""REST for the agent's workspace: answers suggested from the knowledge base, finding
conversations, and whom a conversation can go to."""
from __future__ import annotations

from datetime import date

from aiohttp import web

from gateway.conversations.model import MAX_TEXT_LENGTH, Sender, Status
from gateway.json_api.errors import ApiError
from gateway.json_api.storable import whole
from gateway.conversations.ports import only_reading
from gateway.texts.languages import detect_language
from gateway.web.auth import PRINCIPAL, require
from gateway.web.conversation_routes import CONSOLE_VIEW, STAFF, SUPERVISORS, visible_conversation
from gateway.web.kb_routes import until_ready
from gateway.web.services import WebServices
from handoff.finding import MAX_RESULTS, ConversationQuery, snippet
from knowledge_base.suggestions import suggest, word_matches

SERVICES = web.AppKey("workspace_services", WebServices)
# The customer's latest messages that the suggestions look at: a question is often split
# over two or three lines, and an older one was answered already.
SUGGEST_FROM = 3
SUGGESTIONS, SEARCH_RESULTS = 5, 8
CHANNELS = ("web", "telegram")


def _customer_asks(history) -> list[str]:
    """The customer's latest run of messages, latest first: what they wrote since someone last
    answered them, or, once answered, the run that answer was to (the agent may be checking it)."""
    since = []
    for message in reversed(history):
        if message.sender in (Sender.AGENT, Sender.BOT) and since:
            break
        if message.sender == Sender.CUSTOMER and message.text.strip():
            since.append(message.text)
    return since[:SUGGEST_FROM]


@require(*STAFF)
async def suggestions(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    asked = request.query.get("q", "").strip()
    if len(asked) > MAX_TEXT_LENGTH:
        raise ApiError(422, f"q may be at most {MAX_TEXT_LENGTH} characters")
    with only_reading():  # a read: SQLite's writers (customers' acks among them) need not wait for it
        async with services.uow() as uow:
            conversation = await visible_conversation(request, uow)
            history = await uow.chats.history(conversation.id, last=50)
    texts = [asked] if asked else _customer_asks(history)
    language = detect_language(" ".join(texts)) if texts else "zh"
    if not texts:
        return web.json_response({"language": language, "query": "", "suggestions": []})
    knowledge = services.knowledge
    await until_ready(knowledge)
    found = await suggest(knowledge.search, texts, language, SEARCH_RESULTS if asked else SUGGESTIONS)
    if asked:
        found = word_matches(knowledge.search.documents(language), asked, found, SEARCH_RESULTS)
    query = asked or " / ".join(request.app[CONSOLE_VIEW].text(t) for t in texts)
    return web.json_response({"language": language, "query": query, "suggestions": found})


def _flag(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if raw not in ("yes", "no"):
        raise ApiError(422, f"{name} must be yes or no")
    return raw == "yes"


def _day(request: web.Request, name: str) -> date | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, f"{name} must be a date, YYYY-MM-DD") from None


def _choice(request: web.Request, name: str, allowed) -> str | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if raw not in allowed:
        raise ApiError(422, f"{name} must be one of {', '.join(allowed)}")
    return raw


@require(*STAFF)
async def search_conversations(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    principal = request[PRINCIPAL]
    q = request.query
    text = q.get("q", "").strip() or None
    if text is not None and len(text) > 200:
        raise ApiError(422, "q may be at most 200 characters")
    assignee = q.get("assignee")
    if assignee == "me":
        assignee_id = principal.user_id
    elif assignee is None:
        assignee_id = None
    elif (assignee_id := whole(assignee)) is None:
        raise ApiError(422, "assignee must be a user id or me")
    limit = whole(q.get("limit", "50"), MAX_RESULTS)
    if not limit:
        raise ApiError(422, f"limit must be 1 to {MAX_RESULTS}")
    query = ConversationQuery(
        text=text, status=_choice(request, "status", [s.value for s in Status]),
        channel=_choice(request, "channel", CHANNELS),
        assignee_id=assignee_id, has_complaint=_flag(request, "complaint"), breached=_flag(request, "breached"),
        created_from=_day(request, "from"), created_to=_day(request, "to"), limit=limit,
        readable_by=None if principal.role in SUPERVISORS else principal.user_id)
    with only_reading():
        async with services.uow() as uow:
            rows = await uow.console.search(query, services.clock())
    view = request.app[CONSOLE_VIEW]
    for row in rows:
        if row["match"] is not None:
            row["match"] = snippet(view.text(row["match"]), text or "")
    return web.json_response({"conversations": view.rows(rows)})


@require(*STAFF)
async def agents(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    with only_reading():
        async with services.uow() as uow:
            return web.json_response({"agents": await uow.console.staff()})


def add_routes(app: web.Application, services: WebServices) -> None:
    app[SERVICES] = services
    r = app.router
    # Before /api/conversations/{conversation_id} takes "search" for an id.
    r.add_get("/api/conversations/search", search_conversations)
    r.add_get("/api/conversations/{conversation_id}/suggestions", suggestions)
    r.add_get("/api/agents", agents)
