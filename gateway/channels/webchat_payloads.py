"""What a web-chat client may send, checked before anything is stored."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
