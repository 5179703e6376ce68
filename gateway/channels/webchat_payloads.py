"""What a web-chat client may send, checked before anything is stored."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gateway.conversations.model import MAX_TEXT_LENGTH


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    text: str = Field(max_length=MAX_TEXT_LENGTH)
    client_msg_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")

    @field_validator("text")
    @classmethod
    def _meaningful(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("text is empty")
        if "\x00" in value:
            raise ValueError("text contains a NUL character")
        return value


class CsatIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=2000)


class TypingIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    typing: bool = True


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
