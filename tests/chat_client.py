"""A real Socket.IO client for the customers' `/chat` namespace."""
from __future__ import annotations

from tests.socket_client import RecordingClient


class ChatClient(RecordingClient):
    namespace = "/chat"
    recorded = ("session", "message", "handoff", "typing", "csat_request")

    async def connect(self, url: str, token: str | None = None, wait_session: bool = True) -> "ChatClient":
        await self._connect(url, {"visitor_token": token} if token is not None else None)
        if wait_session:
            await self.wait_for("session")
        return self

    @property
    def session(self) -> dict:
        return self.events["session"][-1]

    async def send(self, text: str, client_msg_id: str):
        return await self.call("message", {"text": text, "client_msg_id": client_msg_id})
