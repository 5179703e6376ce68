"""The console's read model: the queue, list rows and one conversation's context package,
read in few queries and shaped by hand-off's pure `handoff.context`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.conversations.model import Sender
from gateway.storage.channel_repository import ChannelRepository
from gateway.storage.conversation_search import ConversationSearch
from gateway.storage.handoff_repository import HandoffRepository
from gateway.storage.repository import ConversationRepository, message_view
from gateway.storage.tables import Conversation, Handoff
from gateway.texts import ui
from handoff.complaint_view import complaint_dict
from handoff.context import context_dict, delivery_dict, listing_row
from handoff.finding import ConversationQuery


class ConsoleQueries:
    def __init__(self, session: AsyncSession):
        self._conversations = ConversationRepository(session)
        self._handoffs = HandoffRepository(session)
        self._channels = ChannelRepository(session)
        self._search = ConversationSearch(session)

    async def queue_rows(self, now: datetime) -> list[dict]:
        """The whole queue in three queries, however long it is: it is rebuilt on every change."""
        queue = await self._handoffs.queue()
        last = await self._conversations.last_customer_texts([c.id for c, _ in queue])
        return [{**listing_row(c, h, last.get(c.id, ""), None, now), "position": position}
                for position, (c, h) in enumerate(queue, start=1)]

    async def summary_row(self, conversation: Conversation, handoff: Handoff | None, now: datetime) -> dict:
        last = (await self._conversations.last_customer_texts([conversation.id])).get(conversation.id, "")
        assignee = await self._handoffs.user(conversation.assignee_id) if conversation.assignee_id else None
        return listing_row(conversation, handoff, last, assignee.username if assignee else None, now)

    async def listing(self, statuses: list[str], assignee_id: int | None, now: datetime) -> list[dict]:
        """Rows of the conversations in these statuses (of one assignee, if named), latest first."""
        return await self._rows(await self._conversations.by_status(statuses, assignee_id), now)

    async def search(self, query: ConversationQuery, now: datetime) -> list[dict]:
        """List rows of what the search found, each with the message text that matched (or None)."""
        found = await self._search.find(query)
        rows = await self._rows([c for c, _ in found], now)
        return [{**row, "match": matched} for row, (_, matched) in zip(rows, found)]

    async def _rows(self, conversations: list[Conversation], now: datetime) -> list[dict]:
        """List rows in four queries, however many conversations."""
        ids = [c.id for c in conversations]
        handoffs = await self._handoffs.shown(ids)
        last = await self._conversations.last_customer_texts(ids)
        names = await self._handoffs.usernames({c.assignee_id for c in conversations if c.assignee_id})
        return [listing_row(c, handoffs.get(c.id), last.get(c.id, ""), names.get(c.assignee_id), now)
                for c in conversations]

    async def staff(self) -> list[dict]:
        """Who a conversation can be transferred to, with presence and load."""
        return [{"id": u.id, "username": u.username, "role": u.role,
                 "presence": p.status if p else "offline", "capacity": p.capacity if p else None, "load": load}
                for u, p, load in await self._handoffs.staff_with_load()]

    async def had_handoff(self, conversation_id: str, user_id: int) -> bool:
        """Whether this staff member was assigned one of the conversation's hand-offs."""
        return await self._handoffs.had(conversation_id, user_id)

    async def complaints(self, status: str | None) -> list[dict]:
        rows = await self._handoffs.complaints(status)
        clocks = await self._handoffs.clocks([c.id for c in rows])
        return [complaint_dict(c, [k for k in clocks if k.complaint_id == c.id]) for c in rows]

    async def context_package(self, conversation_id: str, now: datetime, language: str = ui.DEFAULT) -> dict:
        rows, handoffs = self._conversations, self._handoffs
        conversation = await rows.get(conversation_id)
        conversations = await rows.conversations_of_customer(conversation.customer_id)
        transcript = []
        for other in conversations:  # every conversation of this customer, on every channel
            messages = await rows.history(other.id)
            deliveries = await self._channels.deliveries([m.id for m in messages if m.sender != Sender.CUSTOMER])
            for m in messages:
                delivery = deliveries.get(m.id)
                transcript.append({**message_view(m).to_staff_event(delivery_dict(delivery) if delivery else None),
                                   "channel": other.channel})
        handoff = await handoffs.current(conversation.id) or await handoffs.latest(conversation.id)
        complaints = await handoffs.complaints_of(conversation.id)
        notes = await handoffs.notes(conversation.id)
        authors = {n.author_id: (await handoffs.user(n.author_id)).username for n in notes}
        return context_dict(
            await self.summary_row(conversation, handoff, now),
            await rows.customer(conversation.customer_id), await rows.identities(conversation.customer_id),
            conversations, conversation.id, transcript,
            [message_view(m) for m in await rows.history(conversation.id)],
            complaints, await handoffs.clocks([c.id for c in complaints]),
            [{"id": n.id, "author": authors[n.author_id], "text": n.text, "created_at": n.created_at.isoformat()}
             for n in notes],
            language)
