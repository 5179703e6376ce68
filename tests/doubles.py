"""Test doubles that implement the real ports."""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from bot.responder import BotReply
from gateway.conversations.views import MessageView
from knowledge_base.encoders import Encoder

_CJK = re.compile(r"[\u3400-\u9fff]")

TEXT = {
    "en": "[Placeholder bot, no knowledge base yet] Thanks for your message. A person will help you shortly.",
    "zh": "【占位机器人，尚未接入知识库】感谢您的留言，人工客服将很快为您服务。",
}


class HandOffEverything:
    """A Responder that says it is a stand-in and hands every conversation to a person:
    the pipeline's own behaviour, without the knowledge base."""

    async def respond(self, text: str, history: Sequence[MessageView]) -> BotReply:
        language = "zh" if _CJK.search(text) else "en"
        return BotReply(
            text=TEXT[language],
            handoff_reason="placeholder: no knowledge base yet",
            details={"responder": "placeholder", "language": language},
        )


class MemoizingEncoder(Encoder):
    """A real encoder that remembers what it encoded: test servers each index the demo
    knowledge base, and the answers never change within a run."""

    def __init__(self, inner: Encoder):
        super().__init__()
        self.inner, self.name, self.dim, self.languages = inner, inner.name, inner.dim, inner.languages
        self._seen: dict[tuple[bool, str], np.ndarray] = {}

    def _load(self) -> None:
        self.inner.warm()

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if (query, t) not in self._seen]
        if missing:
            fresh = self.inner.encode_queries(missing) if query else self.inner.encode_passages(missing)
            self._seen.update({(query, t): v for t, v in zip(missing, fresh)})
        return np.vstack([self._seen[(query, t)] for t in texts])
