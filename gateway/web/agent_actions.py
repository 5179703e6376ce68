"""What an agent sends and gets back for each desk action, defined once for both ways in: the
REST routes (`conversation_routes.py`, the conversation in the path, unknown fields refused)
and the /agent namespace (`agent_namespace.py`, the conversation in the payload, extra keys
ignored). The action itself is the desk's, one method each."""
from __future__ import annotations

from pydantic import BaseModel, Field

from gateway.conversations.model import MAX_REPLY_LENGTH
from handoff.desk import ReplyOutcome


class TextFields(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_REPLY_LENGTH)


class ReplyFields(TextFields):
    confirm: bool = Field(False, description="send although the reply guard warned")
    entry_id: str | None = Field(None, min_length=1, max_length=80,
                                 description="the knowledge-base entry the reply was started from")


class TransferFields(BaseModel):
    to_user_id: int | None = Field(None, description="an agent's id; omitted = back to supervisors")


class PresenceFields(BaseModel):
    status: str = Field(pattern="^(online|away|offline)$")
    capacity: int | None = Field(None, ge=1, le=50)


NEEDS_CONFIRMATION = "needs_confirmation"


def warnings_of(outcome: ReplyOutcome) -> list[dict]:
    return [{"kind": w.kind, "excerpt": w.excerpt, "message": w.message} for w in outcome.warnings]
