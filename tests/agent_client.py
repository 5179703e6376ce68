"""A real Socket.IO client for the console's `/agent` namespace."""
from __future__ import annotations

from tests.socket_client import RecordingClient


class AgentClient(RecordingClient):
    namespace = "/agent"
    recorded = ("queue", "conversation_assigned", "message", "sla_warning", "sla_breach", "typing", "delivery",
                "session_ended", "disconnect")

    async def connect(self, url: str, token: str) -> "AgentClient":
        await self._connect(url, {"token": token})
        return self
