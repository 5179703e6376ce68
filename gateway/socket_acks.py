"""A Socket.IO event's answer when it is refused: {"error": {"code", "message"}}, the shape the
REST API's errors have too. Shared by the customers' /chat and the agents' /agent namespaces."""
from __future__ import annotations

from pydantic import BaseModel, ValidationError


def error(code: str, message: str, **extra) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


def validation_error(exc: ValidationError) -> dict:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "payload"
    return error("invalid_payload", f"{field}: {first['msg']}")


def parse(model: type[BaseModel], data: object):
    """The validated payload, or an error ack. A non-dict payload is refused too."""
    if not isinstance(data, dict):
        return None, error("invalid_payload", f"expected a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data), None
    except ValidationError as exc:
        return None, validation_error(exc)
