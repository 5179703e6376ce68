"""What people do with handed-off conversations: claim, reply, note, transfer, resolve.

Every status or owner change goes through the status machine as a conditional update on
(id, version), so two agents (or an agent and the auto-assigner) can never both win.
Side effects reach the customer through the outbox; the console hears bus events
published after commit.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

from gateway import texts
from gateway.bus import MessageBus
from gateway.clock import Clock
from gateway.conversations.commands import DeliverMessage, RequestCsat, SendHandoffStatus
from gateway.conversations.model import MAX_REPLY_LENGTH, ConcurrentUpdate, Sender, Status, plan_transition
from gateway.conversations.views import HandoffStatus
from gateway.storage.repository import message_view
from gateway.storage.tables import AgentPresence, Conversation, ConversationNote, CsatResponse, Message
from gateway.storage.tables import GuardHit as GuardHitRow
from gateway.storage.unit_of_work import UnitOfWork, UnitOfWorkFactory
from handoff.errors import HandoffRefused, InvalidRequest, NotFound, NotYours, WrongState
from handoff.staff import Role, StaffMember
from handoff.events import ConversationAssigned, QueueChanged, StaffMessage
from handoff.guard_model import merged
from handoff.reply_guard import GuardHit, check_reply, personal_data

log = logging.getLogger(__name__)

PRESENCE = ("online", "away", "offline")
SUPERVISING = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class ReplyOutcome:
    sent: dict | None = None          # the stored message
    warnings: tuple = ()              # guard hits the agent must confirm


def _route(conversation: Conversation) -> tuple[str, str]:
    return conversation.channel, conversation.external_chat_id


# Reads a reply beyond the lexicons (the guard model over its sentence vectors): a warning or None.
ReplyReader = Callable[[str], Awaitable[GuardHit | None]]


class Desk:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: MessageBus, read_reply: ReplyReader | None = None):
        self._uow = uow
        self._clock = clock
        self._bus = bus
        self._read_reply = read_reply
        self._assigning = asyncio.Lock()

    # -- claiming and assignment ----------------------------------------------------------
    async def claim(self, conversation_id: str, agent: StaffMember) -> None:
        await self._assign(conversation_id, agent.user_id, agent.username, by=f"agent:{agent.username}")

    async def auto_assign(self) -> list[tuple[str, int]]:
        """Give waiting conversations, best first, to the least-loaded online agents with room."""
        done = []
        async with self._assigning:
            while True:
                async with self._uow() as uow:
                    queue = await uow.handoffs.queue(limit=1)
                    agents = [(u, p, n) for u, p, n in await uow.handoffs.online_agents()
                              if u.role in (Role.AGENT, Role.SUPERVISOR) and n < p.capacity]
                if not queue or not agents:
                    return done
                (conversation, _), (user, _, _) = queue[0], agents[0]
                try:
                    await self._assign(conversation.id, user.id, user.username, by="auto-assignment",
                                       expected_version=conversation.version)
                except (ConcurrentUpdate, HandoffRefused):
                    continue  # someone claimed it meanwhile: look again
                done.append((conversation.id, user.id))

    async def _assign(self, conversation_id: str, user_id: int, username: str, by: str,
                      expected_version: int | None = None) -> None:
        now = self._clock()
        async with self._uow() as uow:
            conversation = await self._conversation(uow, conversation_id)
            if expected_version is not None and conversation.version != expected_version:
                raise ConcurrentUpdate(conversation_id)
            if conversation.status != Status.QUEUED:
                raise WrongState(f"the conversation is {conversation.status}, not waiting in the queue")
            change = plan_transition(Status.QUEUED, Status.ASSIGNED, actor=by, reason=f"assigned to {username}")
            await uow.conversations.transition(conversation, change, now, assignee_id=user_id)
            handoff = await uow.handoffs.current(conversation_id)
            if handoff is not None:
                handoff.assignee_id, handoff.assigned_at = user_id, now
            status = HandoffStatus("assigned", agent_name=username)
            uow.outbox.issue(SendHandoffStatus(*_route(conversation), status.to_event()), now, conversation_id)
            await uow.commit()
        await self._bus.publish(ConversationAssigned(conversation_id, user_id, username, by))
        await self._bus.publish(QueueChanged("assigned"))

    async def transfer(self, conversation_id: str, by: StaffMember, to_user_id: int | None) -> None:
        """To another agent, or (no one named) back to the queue at the front, for supervisors."""
        now = self._clock()
        async with self._uow() as uow:
            conversation = await self._owned(uow, conversation_id, by)
            if to_user_id is None:
                change = plan_transition(Status.ASSIGNED, Status.QUEUED, actor=f"agent:{by.username}",
                                         reason="transferred to supervisors")
                await uow.conversations.transition(conversation, change, now, assignee_id=None)
                handoff = await uow.handoffs.current(conversation_id)
                if handoff is not None:
                    handoff.priority, handoff.assignee_id = 0, None
                await uow.commit()
                await self._bus.publish(QueueChanged("transferred to supervisors"))
                return
            target = await uow.handoffs.user(to_user_id)
            if target is None or target.disabled_at is not None or target.role == Role.EDITOR:
                raise InvalidRequest("transfer to an agent or supervisor account")
            change = plan_transition(Status.ASSIGNED, Status.ASSIGNED, actor=f"agent:{by.username}",
                                     reason=f"transferred to {target.username}")
            await uow.conversations.transition(conversation, change, now, assignee_id=target.id)
            handoff = await uow.handoffs.current(conversation_id)
            if handoff is not None:
                handoff.assignee_id, handoff.assigned_at = target.id, now
            status = HandoffStatus("assigned", agent_name=target.username)
            uow.outbox.issue(SendHandoffStatus(*_route(conversation), status.to_event()), now, conversation_id)
            await uow.commit()
            name = target.username
        await self._bus.publish(ConversationAssigned(conversation_id, to_user_id, name, f"agent:{by.username}"))

    # -- talking --------------------------------------------------------------------------
    async def reply(self, conversation_id: str, agent: StaffMember, text: str, confirm: bool = False) -> ReplyOutcome:
        text = text.strip()
        if not text or len(text) > MAX_REPLY_LENGTH:
            raise InvalidRequest(f"text must be 1 to {MAX_REPLY_LENGTH} characters")
        # Read before the transaction: encoding the reply takes milliseconds no row should wait.
        read = await self._read_reply(text) if self._read_reply is not None else None
        now = self._clock()
        async with self._uow() as uow:
            conversation = await self._owned(uow, conversation_id, agent)
            hits = merged(check_reply(text, await self._customer_data(uow, conversation)), read)
            for hit in hits:
                uow.handoffs.add(GuardHitRow(conversation_id=conversation_id, user_id=agent.user_id, kind=hit.kind,
                                          excerpt=hit.excerpt, sent_anyway=confirm, created_at=now))
            if hits and not confirm:
                await uow.commit()  # the warning itself is kept for quality review
                return ReplyOutcome(warnings=tuple(hits))
            await uow.conversations.touch(conversation, now)
            message = await uow.conversations.add_message(Message(
                conversation_id=conversation_id, sender=Sender.AGENT, text=text,
                meta={"agent": agent.username, "agent_id": agent.user_id}, created_at=now))
            uow.outbox.issue(DeliverMessage(*_route(conversation), message.id), now, conversation_id)
            handoff = await uow.handoffs.current(conversation_id)
            if handoff is not None:
                await uow.handoffs.stamp_once(handoff.id, "first_response_at", now)
            for complaint in await uow.handoffs.complaints_of(conversation_id):
                await uow.handoffs.meet_clock(complaint.id, "contact", now)
                if agent.role in SUPERVISING:
                    await uow.handoffs.meet_clock(complaint.id, "supervisor", now)
            await uow.commit()
            view = message_view(message)
        await self._bus.publish(StaffMessage(conversation_id, conversation.assignee_id, view))
        return ReplyOutcome(sent=view.to_event(), warnings=tuple(hits))

    async def note(self, conversation_id: str, agent: StaffMember, text: str) -> dict:
        text = text.strip()
        if not text or len(text) > MAX_REPLY_LENGTH:
            raise InvalidRequest(f"text must be 1 to {MAX_REPLY_LENGTH} characters")
        async with self._uow() as uow:
            await self._conversation(uow, conversation_id)
            note = ConversationNote(conversation_id=conversation_id, author_id=agent.user_id, text=text,
                                    created_at=self._clock())
            uow.handoffs.add(note)
            await uow.commit()
            return {"id": note.id, "author": agent.username, "text": text, "created_at": note.created_at.isoformat()}

    async def resolve(self, conversation_id: str, agent: StaffMember) -> None:
        now = self._clock()
        async with self._uow() as uow:
            conversation = await self._conversation(uow, conversation_id)
            if conversation.status == Status.ASSIGNED:
                await self._owned(uow, conversation_id, agent)
            elif conversation.status != Status.QUEUED or agent.role not in SUPERVISING:
                raise WrongState(f"the conversation is {conversation.status}: claim it first")
            change = plan_transition(Status(conversation.status), Status.RESOLVED, actor=f"agent:{agent.username}",
                                     reason="resolved by an agent")
            await uow.conversations.transition(conversation, change, now, resolved_at=now, assignee_id=None)
            handoff = await uow.handoffs.current(conversation_id)
            if handoff is not None:
                handoff.resolved_at = now
            history = await uow.conversations.history(conversation_id, limit=20)
            language = texts.customer_language(history)
            ask = await uow.conversations.add_message(Message(
                conversation_id=conversation_id, sender=Sender.SYSTEM, text=texts.text(language, "csat_request"),
                meta={"csat_request": True}, created_at=now))
            route = _route(conversation)
            uow.outbox.issue(SendHandoffStatus(*route, {"state": "resolved"}), now, conversation_id)
            uow.outbox.issue(DeliverMessage(*route, ask.id), now, conversation_id)
            uow.outbox.issue(RequestCsat(*route), now, conversation_id)
            await uow.commit()
        await self._bus.publish(QueueChanged("resolved"))

    async def record_csat(self, conversation_id: str, score: int, comment: str | None) -> None:
        async with self._uow() as uow:
            handoff = await uow.handoffs.latest(conversation_id)
            if handoff is None or handoff.resolved_at is None:
                raise WrongState("nothing to rate yet")
            if await uow.handoffs.csat_for(handoff.id):
                raise WrongState("this conversation was rated already")
            uow.handoffs.add(CsatResponse(conversation_id=conversation_id, handoff_id=handoff.id, score=score,
                                          comment=comment, created_at=self._clock()))
            await uow.commit()

    # -- presence -------------------------------------------------------------------------
    async def set_presence(self, agent: StaffMember, status: str, capacity: int | None = None) -> dict:
        if status not in PRESENCE:
            raise InvalidRequest(f"status must be one of {', '.join(PRESENCE)}")
        if capacity is not None and not 1 <= capacity <= 50:
            raise InvalidRequest("capacity must be 1 to 50")
        async with self._uow() as uow:
            row = await uow.handoffs.presence(agent.user_id)
            if row is None:
                row = AgentPresence(user_id=agent.user_id, status=status, capacity=capacity or 5,
                                    updated_at=self._clock())
                uow.handoffs.add(row)
            else:
                row.status, row.updated_at = status, self._clock()
                if capacity is not None:
                    row.capacity = capacity
            await uow.commit()
            result = {"status": row.status, "capacity": row.capacity}
        if status == "online":
            await self.auto_assign()
        return result

    # -- helpers --------------------------------------------------------------------------
    async def _conversation(self, uow: UnitOfWork, conversation_id: str) -> Conversation:
        conversation = await uow.conversations.get(conversation_id)
        if conversation is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        return conversation

    async def _owned(self, uow: UnitOfWork, conversation_id: str, agent: StaffMember) -> Conversation:
        conversation = await self._conversation(uow, conversation_id)
        if conversation.status != Status.ASSIGNED:
            raise WrongState(f"the conversation is {conversation.status}: claim it first")
        if conversation.assignee_id != agent.user_id and agent.role not in SUPERVISING:
            raise NotYours("this conversation is assigned to someone else")
        return conversation

    async def _customer_data(self, uow: UnitOfWork, conversation: Conversation) -> list[str]:
        """What the customer told us themselves may be repeated back to them."""
        history = await uow.conversations.history(conversation.id)
        return [item for m in history if m.sender == Sender.CUSTOMER for item in personal_data(m.text)]
