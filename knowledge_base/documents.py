"""The published entries as search sees them: plain, immutable data."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KbDoc:
    id: str
    language: str
    question: str
    answer: str
    alternates: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.alternates)

    @property
    def lexical_text(self) -> str:
        return "\n".join((*self.phrasings, self.answer))

    @classmethod
    def from_dict(cls, d: dict) -> "KbDoc":
        return cls(d["id"], d["language"], d["question"], d["answer"],
                   tuple(d.get("alternates") or ()), tuple(d.get("tags") or ()))
