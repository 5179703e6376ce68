"""Every API error is JSON {"error": {"code", "message"}}, and nothing a client sends
becomes a 500."""
from __future__ import annotations

import json
import logging

from aiohttp import web
from pydantic import BaseModel, ValidationError

from gateway.json_api import storable

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests"}


def error_response(status: int, message: str, code: str | None = None, headers: dict | None = None,
                   **extra) -> web.Response:
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message, **extra}}
    return web.json_response(body, status=status, headers=headers)


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, headers: dict | None = None, **extra):
        super().__init__(message)
        self.status, self.message, self.code, self.extra = status, message, code, extra
        self.headers = headers  # e.g. Retry-After on a 429


@web.middleware
async def json_errors(request: web.Request, handler):
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.message, exc.code, exc.headers, **exc.extra)
    except ValidationError as exc:
        return error_response(422, _describe(exc), details=[
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()])
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        return error_response(exc.status, exc.reason)
    except Exception:
        if not request.path.startswith("/api/"):
            raise
        log.exception("unhandled error", extra={"path": request.path})
        return error_response(500, "internal error", "internal")


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    return f"{field}: {first['msg']}"


# A JSON body of any route but the knowledge-base import (which names its own, larger limit).
MAX_JSON_BYTES = 1024 * 1024


async def read_json(request: web.Request, model: type[BaseModel] | None = None, max_bytes: int = MAX_JSON_BYTES):
    """The body as a validated model: 413 when too large, 400 when it is not JSON, 422 when
    fields are wrong."""
    if (request.content_length or 0) > max_bytes:
        raise ApiError(413, f"the body may be at most {max_bytes} bytes")
    raw = await request.read()
    if len(raw) > max_bytes:
        raise ApiError(413, f"the body may be at most {max_bytes} bytes")
    try:
        data = json.loads(raw.decode("utf-8") or "null")
    except (ValueError, RecursionError) as exc:
        # ValueError: bad JSON or UTF-8, and an integer of over 4,300 digits, which Python will
        # not read; RecursionError: arrays or objects nested past the parser's depth.
        raise ApiError(400, f"malformed JSON: {exc}") from None
    if found := storable.problem(data):
        raise ApiError(422, found)
    if model is None:
        return data
    if not isinstance(data, dict):
        raise ApiError(422, "the body must be a JSON object")
    return model.model_validate(data)
