"""A knowledge-base entry as editors write it and importers read it."""
from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.texts.languages import detect_language

LANGUAGES = ("zh", "en")
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,79}$"


class EntryStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


def new_entry_id() -> str:
    return f"kb-{uuid.uuid4().hex[:12]}"


class KbEntryIn(BaseModel):
    """One entry on its way in. `id` is generated when absent; `language` is detected
    from the question when absent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(default=None, pattern=ID_PATTERN)
    language: str | None = None
    question: str = Field(min_length=2, max_length=500)
    alternates: list[str] = Field(default_factory=list, max_length=50)
    answer: str = Field(min_length=1, max_length=5000)
    tags: list[str] = Field(default_factory=list, max_length=20)
    status: EntryStatus = EntryStatus.DRAFT

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.lower()
        if value not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("question", "answer")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        # PostgreSQL text cannot hold NUL: refused here, where an import can name the line.
        if "\x00" in value:
            raise ValueError("a NUL character is not allowed")
        return value

    @field_validator("alternates", "tags")
    @classmethod
    def _clean_list(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values]
        if any(not v or len(v) > 500 or "\x00" in v for v in cleaned):
            raise ValueError("items must be 1 to 500 characters, without NUL")
        return list(dict.fromkeys(cleaned))  # drop repeats, keep order

    def resolved(self) -> "KbEntryIn":
        """A copy with id and language filled in."""
        return self.model_copy(
            update={"id": self.id or new_entry_id(), "language": self.language or detect_language(self.question)}
        )
