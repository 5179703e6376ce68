"""What a contract case needs in place that no port writes (staff accounts, a queued
hand-off), put in place on each store the suite runs on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from gateway.conversations.model import Status, plan_transition
from gateway.conversations.ports import ConversationRecord
from handoff.ports import StaffAccount
from tests.memory_desk import HandoffRow


class StoreUnderTest:
    """Called, a new unit of work; besides, seeds for the cases."""

    def __init__(self, new_unit, kind: str):
        self._new_unit, self.kind = new_unit, kind

    def __call__(self):
        return self._new_unit()

    async def add_account(self, username: str, role: str = "agent", *, active: bool = True) -> int:
        async with self() as uow:
            if self.kind == "memory":
                user_id = next(uow._db.ids)
                uow.work.accounts[user_id] = StaffAccount(user_id, username, role, active)
            else:
                from gateway.storage.tables import User

                user = User(username=username, password_hash="-", role=role, created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                            disabled_at=None if active else datetime(2026, 1, 2, tzinfo=timezone.utc))
                uow.session.add(user)
                await uow.session.flush()
                user_id = user.id
            await uow.commit()
        return user_id

    async def queue(self, conversation: ConversationRecord, priority: int, at: datetime) -> ConversationRecord:
        """The bot hands the conversation off: queued, with an open hand-off."""
        async with self() as uow:
            queued = await uow.chats.transition(conversation, plan_transition(
                Status.BOT, Status.QUEUED, actor="bot", reason="asked for a person"), at, handed_off_at=at)
            if self.kind == "memory":
                handoff_id = next(uow._db.ids)
                uow.work.handoffs[handoff_id] = HandoffRow(handoff_id, conversation.id, "human_request", priority, at,
                                                           at + timedelta(minutes=10))
            else:
                from gateway.storage.tables import Handoff

                uow.session.add(Handoff(conversation_id=conversation.id, kind="human_request", reason="asked",
                                         priority=priority, queued_at=at,
                                         first_response_due_at=at + timedelta(minutes=10)))
            await uow.commit()
        return queued
