"""The stand-in bot until the knowledge base is wired in: it says plainly that it is a
placeholder and hands every conversation to a person."""
from __future__ import annotations

import re
from typing import Sequence

from bot.responder import BotReply
from gateway.conversations.views import MessageView

_CJK = re.compile(r"[\u3400-\u9fff]")

TEXT = {
    "en": "[Placeholder bot, no knowledge base yet] Thanks for your message. A person will help you shortly.",
    "zh": "【占位机器人，尚未接入知识库】感谢您的留言，人工客服将很快为您服务。",
}


class PlaceholderResponder:
    async def respond(self, text: str, history: Sequence[MessageView]) -> BotReply:
        language = "zh" if _CJK.search(text) else "en"
        return BotReply(
            text=TEXT[language],
            handoff_reason="placeholder: no knowledge base yet",
            details={"responder": "placeholder", "language": language},
        )
