"""Who is calling (session cookie for pages, bearer token for API clients) and whether
their role may do what they ask. Every console and editor route names its roles."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Callable, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from gateway.texts.ui import LANGUAGES
from gateway.web import csrf
from handoff.accounts import Accounts
from handoff.staff import Role, StaffMember
from gateway.client_address import ClientAddress
from gateway.json_api.errors import ApiError, read_json
from handoff.login_throttle import LoginThrottle

COOKIE = "cs_session"
ACCOUNTS = web.AppKey("accounts", Accounts)
PRINCIPAL = web.RequestKey("principal", StaffMember)
KB_READERS = (Role.AGENT, Role.SUPERVISOR, Role.EDITOR, Role.ADMIN)
KB_WRITERS = (Role.EDITOR, Role.ADMIN)
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class LoginGuard:
    """What login needs beyond accounts: who is knocking, how often, and how to set cookies."""
    throttle: LoginThrottle
    addresses: ClientAddress
    cookie_secure: str = "auto"  # auto | true | false

    def secure(self, request: web.Request) -> bool:
        if self.cookie_secure == "auto":
            return self.addresses.is_https(request)
        return self.cookie_secure == "true"


GUARD = web.AppKey("login_guard", LoginGuard)


def _token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


async def principal_of(request: web.Request) -> StaffMember | None:
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


class LogoutIn(BaseModel):
    everywhere: bool = False


def _set_cookies(request: web.Request, response: web.Response, token: str) -> None:
    secure = request.app[GUARD].secure(request)
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=secure, path="/")
    # Readable by the pages' own scripts (that is the point), useless without the session.
    response.set_cookie(csrf.COOKIE, request.app[csrf.CSRF].token_for(token), httponly=False, samesite="Strict",
                        secure=secure, path="/")


async def login(request: web.Request) -> web.Response:
    body = await read_json(request, LoginIn)
    guard = request.app[GUARD]
    address = guard.addresses.of_request(request)
    wait = await guard.throttle.wait_seconds(body.username, address)
    if wait:
        raise ApiError(429, f"too many failed logins; try again in {wait} s", retry_after=wait,
                       headers={"Retry-After": str(wait)})
    result = await request.app[ACCOUNTS].login(body.username, body.password)
    if result is None:
        await guard.throttle.failed(body.username, address)
        raise ApiError(401, "wrong username or password")
    await guard.throttle.succeeded(body.username)
    token, principal = result
    response = web.json_response({"token": token, "user": {"username": principal.username, "role": principal.role},
                                  "csrf_token": request.app[csrf.CSRF].token_for(token)})
    _set_cookies(request, response, token)
    return response


async def logout(request: web.Request) -> web.Response:
    """Ends this session, or with {"everywhere": true} every session of the same person."""
    body = await read_json(request)
    everywhere = LogoutIn.model_validate(body).everywhere if body is not None else False
    token = _token(request)
    ended = 0
    if token:
        accounts = request.app[ACCOUNTS]
        principal = await accounts.principal(token)
        if everywhere and principal is not None:
            ended = await accounts.logout_everywhere(principal.user_id,
                                                     actor=f"{principal.role}:{principal.username}")
        else:
            await accounts.logout(token)
            ended = 1 if principal is not None else 0
        if principal is not None:
            request.app[SESSIONS_ENDED](principal.user_id, None if everywhere else token)
    response = web.json_response({"status": "logged out", "sessions_ended": ended})
    response.del_cookie(COOKIE, path="/")
    response.del_cookie(csrf.COOKIE, path="/")
    return response


@require(*Role)
async def me(request: web.Request) -> web.Response:
    """Who is logged in; also hands a page the CSRF token its writes must carry."""
    principal = request[PRINCIPAL]
    body = {"id": principal.user_id, "username": principal.username, "role": principal.role,
            "language": principal.language}
    token = request.cookies.get(COOKIE)
    if token and not request.headers.get("Authorization"):
        body["csrf_token"] = request.app[csrf.CSRF].token_for(token)
        response = web.json_response(body)
        _set_cookies(request, response, token)
        return response
    return web.json_response(body)


class LanguageIn(BaseModel):
    language: Literal[LANGUAGES]


@require(*Role)
async def set_language(request: web.Request) -> web.Response:
    """The language the staff pages show this account from now on, on every device."""
    body = await read_json(request, LanguageIn)
    await request.app[ACCOUNTS].set_language(request[PRINCIPAL].user_id, body.language)
    return web.json_response({"language": body.language})


set_language.body_model = LanguageIn


def _no_listener(user_id: int, token: str | None) -> None:
    pass


# Called after a logout with (user id, the one token ended, or None for all of them), so live
# connections made with those sessions can be closed at once.
SESSIONS_ENDED = web.AppKey("sessions_ended", Callable[[int, str | None], None])


def add_routes(app: web.Application, accounts: Accounts, guard: LoginGuard, csrf_tokens: csrf.CsrfTokens) -> None:
    app[ACCOUNTS] = accounts
    app[GUARD] = guard
    app[csrf.CSRF] = csrf_tokens
    app.setdefault(SESSIONS_ENDED, _no_listener)
    app.router.add_post("/api/auth/login", login)
    app.router.add_post("/api/auth/logout", logout)
    app.router.add_get("/api/auth/me", me)
    app.router.add_put("/api/auth/me/language", set_language)
