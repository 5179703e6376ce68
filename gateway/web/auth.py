"""Who is calling (session cookie for pages, bearer token for API clients) and whether
their role may do what they ask. Every console and editor route names its roles."""
from __future__ import annotations

from functools import wraps

from aiohttp import web
from pydantic import BaseModel, Field

from gateway.web.accounts import Accounts, Principal, Role
from gateway.web.errors import ApiError, read_json

COOKIE = "cs_session"
ACCOUNTS = web.AppKey("accounts", Accounts)
PRINCIPAL = web.RequestKey("principal", Principal)
KB_READERS = (Role.AGENT, Role.SUPERVISOR, Role.EDITOR, Role.ADMIN)
KB_WRITERS = (Role.EDITOR, Role.ADMIN)
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


def _token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


async def principal_of(request: web.Request) -> Principal | None:
    """The caller, if they sent a valid session cookie or token; pages use it to refuse a
    logged-in person whose role may not see them."""
    token = _token(request)
    return await request.app[ACCOUNTS].principal(token) if token else None


def require(*roles: Role):
    def decorate(handler):
        @wraps(handler)
        async def guarded(request: web.Request):
            principal = await principal_of(request)
            if principal is None:
                raise ApiError(401, "log in first: a session cookie or an 'Authorization: Bearer' token")
            if principal.role not in roles:
                raise ApiError(403, f"the {principal.role} role may not do this")
            request[PRINCIPAL] = principal
            return await handler(request)

        guarded.roles = roles
        return guarded

    return decorate


def author(request: web.Request) -> str:
    principal = request[PRINCIPAL]
    return f"{principal.role}:{principal.username}"


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


async def login(request: web.Request) -> web.Response:
    body = await read_json(request, LoginIn)
    result = await request.app[ACCOUNTS].login(body.username, body.password)
    if result is None:
        raise ApiError(401, "wrong username or password")
    token, principal = result
    response = web.json_response({"token": token, "user": {"username": principal.username, "role": principal.role}})
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=request.secure, path="/")
    return response


async def logout(request: web.Request) -> web.Response:
    token = _token(request)
    if token:
        await request.app[ACCOUNTS].logout(token)
    response = web.json_response({"status": "logged out"})
    response.del_cookie(COOKIE, path="/")
    return response


@require(*Role)
async def me(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    return web.json_response({"id": principal.user_id, "username": principal.username, "role": principal.role})


def add_routes(app: web.Application, accounts: Accounts) -> None:
    app[ACCOUNTS] = accounts
    app.router.add_post("/api/auth/login", login)
    app.router.add_post("/api/auth/logout", logout)
    app.router.add_get("/api/auth/me", me)
