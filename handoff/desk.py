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
from datetime import datetime
from typing import Awaitable, Callable

from gateway import texts
from gateway.bus import MessageBus
from gateway.clock import Clock
from gateway.conversations.commands import DeliverMessage, RequestCsat, SendHandoffStatus
from gateway.conversations.model import MAX_REPLY_LENGTH, ConcurrentUpdate, Sender, Status, plan_transition
from gateway.conversations.ports import ConversationRecord, StoreConflict
from gateway.conversations.views import HandoffStatus
from gateway.conversations.webhook_events import record_message
from gateway.privacy import pii
from handoff.ports import DeskUnitOfWork
from handoff.errors import HandoffRefused, InvalidRequest, NotFound, NotYours, WrongState
from handoff.staff import SUPERVISING, Role, StaffMember
from handoff.events import ConversationAssigned, QueueChanged, StaffMessage
from handoff.guard_model import merged
from handoff.reply_guard import GuardHit, check_reply, personal_data

log = logging.getLogger(__name__)

PRESENCE = ("online", "away", "offline")
# Longer customer messages make poor alternates for an entry: the bot's own rule too.
PROPOSAL_LONGEST = 200


@dataclass(frozen=True)
class ReplyOutcome:
    sent: dict | None = None          # the stored message
    warnings: tuple = ()              # guard hits the agent must confirm


def _route(conversation: ConversationRecord) -> tuple[str, str]:
    return conversation.channel, conversation.external_chat_id


# Reads a reply beyond the lexicons (the guard model over its sentence vectors): a warning or None.
ReplyReader = Callable[[str], Awaitable[GuardHit | None]]


class Desk:
    def __init__(self, uow: Callable[[], DeskUnitOfWork], clock: Clock, bus: MessageBus,
                 read_reply: ReplyReader | None = None, published: Callable[[str], bool] | None = None):
        self._uow = uow
        self._clock = clock
        self._bus = bus
        self._read_reply = read_reply
        # Whether a knowledge-base entry is live: a reply's entry id comes from the client.
        self._published = published or (lambda _entry_id: True)
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
                    conversation = await uow.desk.queue_head()
                    agents = [a for a in await uow.desk.agents_online()
                              if a.role in (Role.AGENT, Role.SUPERVISOR) and a.load < a.capacity]
                if conversation is None or not agents:
                    return done
                agent = agents[0]
                try:
                    await self._assign(conversation.id, agent.user_id, agent.username, by="auto-assignment",
                                       expected_version=conversation.version)
                except (ConcurrentUpdate, HandoffRefused):
                    continue  # someone claimed it meanwhile: look again
                done.append((conversation.id, agent.user_id))

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
            await uow.chats.transition(conversation, change, now, assignee_id=user_id)
            await uow.desk.assign_handoff(conversation_id, user_id, now)
            status = HandoffStatus("assigned", agent_name=username)
            uow.outbox.issue(SendHandoffStatus(*_route(conversation), status.to_event()), now, conversation_id)
            await _assigned_event(uow, conversation_id, user_id, username, by, now)
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
                await uow.chats.transition(conversation, change, now, assignee_id=None)
                await uow.desk.requeue_first(conversation_id)
                await uow.commit()
                requeued = True
            else:
                requeued = False
                name = await self._transfer_to(uow, conversation, by, to_user_id, now)
        # After the unit of work, not inside it: listeners read the database themselves.
        if requeued:
            await self._bus.publish(QueueChanged("transferred to supervisors"))
        else:
            await self._bus.publish(ConversationAssigned(conversation_id, to_user_id, name, f"agent:{by.username}"))

    async def _transfer_to(self, uow: DeskUnitOfWork, conversation: ConversationRecord, by: StaffMember,
                           to_user_id: int, now: datetime) -> str:
        conversation_id = conversation.id
        target = await uow.desk.account(to_user_id)
        if target is None or not target.active or target.role == Role.EDITOR:
            raise InvalidRequest("transfer to an agent or supervisor account")
        change = plan_transition(Status.ASSIGNED, Status.ASSIGNED, actor=f"agent:{by.username}",
                                 reason=f"transferred to {target.username}")
        await uow.chats.transition(conversation, change, now, assignee_id=target.user_id)
        await uow.desk.assign_handoff(conversation_id, target.user_id, now)
        status = HandoffStatus("assigned", agent_name=target.username)
        uow.outbox.issue(SendHandoffStatus(*_route(conversation), status.to_event()), now, conversation_id)
        await _assigned_event(uow, conversation_id, target.user_id, target.username, f"agent:{by.username}", now)
        await uow.commit()
        return target.username

    # -- talking --------------------------------------------------------------------------
    async def reply(self, conversation_id: str, agent: StaffMember, text: str, confirm: bool = False,
                    entry_id: str | None = None) -> ReplyOutcome:
        """`entry_id`: the knowledge-base entry the agent started from, kept with the message; the
        customer's words it answered are proposed to editors as that entry's alternate."""
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
                await uow.desk.add_guard_hit(conversation_id, agent.user_id, hit.kind, hit.excerpt, confirm, now)
            if hits and not confirm:
                await uow.commit()  # the warning itself is kept for quality review
                return ReplyOutcome(warnings=tuple(hits))
            await uow.chats.touch(conversation, now)
            meta = {"agent": agent.username, "agent_id": agent.user_id}
            if entry_id is not None and self._published(entry_id):  # else the reply goes, unlinked
                meta["kb_entry_id"] = entry_id
                await self._propose(uow, conversation_id, entry_id, now)
            view = await uow.chats.add_message(conversation_id, Sender.AGENT, text, now, meta=meta)
            await record_message(uow.webhook_events, view)
            uow.outbox.issue(DeliverMessage(*_route(conversation), view.id), now, conversation_id)
            await uow.desk.first_response(conversation_id, now)
            for complaint_id in await uow.desk.complaint_ids(conversation_id):
                await uow.desk.meet_clock(complaint_id, "contact", now)
                if agent.role in SUPERVISING:
                    await uow.desk.meet_clock(complaint_id, "supervisor", now)
            await uow.commit()
        await self._bus.publish(StaffMessage(conversation_id, conversation.assignee_id, view))
        return ReplyOutcome(sent=view.to_staff_event(), warnings=tuple(hits))

    async def _propose(self, uow: DeskUnitOfWork, conversation_id: str, entry_id: str, now: datetime) -> None:
        asked = next((m for m in reversed(await uow.chats.history(conversation_id, last=20))
                      if m.sender == Sender.CUSTOMER and m.text.strip()), None)
        if asked is None:
            return
        words = pii.mask(asked.text.strip())
        if len(words) <= PROPOSAL_LONGEST:
            await uow.proposals.propose_alternate(entry_id, words, "agent", conversation_id, asked.id, now)

    async def note(self, conversation_id: str, agent: StaffMember, text: str) -> dict:
        text = text.strip()
        if not text or len(text) > MAX_REPLY_LENGTH:
            raise InvalidRequest(f"text must be 1 to {MAX_REPLY_LENGTH} characters")
        now = self._clock()
        async with self._uow() as uow:
            await self._conversation(uow, conversation_id)
            note_id = await uow.desk.add_note(conversation_id, agent.user_id, text, now)
            await uow.commit()
        return {"id": note_id, "author": agent.username, "text": text, "created_at": now.isoformat()}

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
            await uow.chats.transition(conversation, change, now, resolved_at=now, assignee_id=None)
            await uow.desk.close_handoff(conversation_id, now)
            language = texts.customer_language(await uow.chats.history(conversation_id, last=20))
            ask = await uow.chats.add_message(conversation_id, Sender.SYSTEM, texts.text(language, "csat_request"),
                                              now, meta={"csat_request": True})
            route = _route(conversation)
            uow.outbox.issue(SendHandoffStatus(*route, {"state": "resolved"}), now, conversation_id)
            uow.outbox.issue(DeliverMessage(*route, ask.id), now, conversation_id)
            uow.outbox.issue(RequestCsat(*route), now, conversation_id)
            await uow.webhook_events.record("conversation.resolved", {
                "conversation_id": conversation_id, "channel": conversation.channel,
                "resolved_by": f"agent:{agent.username}", "resolved_at": now.isoformat()}, now)
            await uow.commit()
        await self._bus.publish(QueueChanged("resolved"))

    async def record_csat(self, conversation_id: str, score: int, comment: str | None) -> None:
        try:
            async with self._uow() as uow:
                handoff = await uow.desk.latest_handoff(conversation_id)
                if handoff is None or handoff.resolved_at is None:
                    raise WrongState("nothing to rate yet")
                if await uow.desk.rated(handoff.id):
                    raise WrongState("this conversation was rated already")
                now = self._clock()
                await uow.desk.add_csat(conversation_id, handoff.id, score, comment, now)
                await uow.webhook_events.record("csat.received", {
                    "conversation_id": conversation_id, "score": score, "comment": comment,
                    "received_at": now.isoformat()}, now)
                await uow.commit()
        except StoreConflict:  # the same rating, sent twice at once, was stored by the other
            raise WrongState("this conversation was rated already") from None

    # -- presence -------------------------------------------------------------------------
    async def set_presence(self, agent: StaffMember, status: str, capacity: int | None = None) -> dict:
        if status not in PRESENCE:
            raise InvalidRequest(f"status must be one of {', '.join(PRESENCE)}")
        if capacity is not None and not 1 <= capacity <= 50:
            raise InvalidRequest("capacity must be 1 to 50")
        async with self._uow() as uow:
            presence = await uow.desk.set_presence(agent.user_id, status, capacity, self._clock())
            await uow.commit()
        result = {"status": presence.status, "capacity": presence.capacity}
        if status == "online":
            await self.auto_assign()
        return result

    # -- helpers --------------------------------------------------------------------------
    async def _conversation(self, uow: DeskUnitOfWork, conversation_id: str) -> ConversationRecord:
        conversation = await uow.chats.conversation(conversation_id)
        if conversation is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        return conversation

    async def _owned(self, uow: DeskUnitOfWork, conversation_id: str, agent: StaffMember) -> ConversationRecord:
        conversation = await self._conversation(uow, conversation_id)
        if conversation.status != Status.ASSIGNED:
            raise WrongState(f"the conversation is {conversation.status}: claim it first")
        if conversation.assignee_id != agent.user_id and agent.role not in SUPERVISING:
            raise NotYours("this conversation is assigned to someone else")
        return conversation

    async def _customer_data(self, uow: DeskUnitOfWork, conversation: ConversationRecord) -> list[str]:
        """What the customer told us themselves may be repeated back to them."""
        history = await uow.chats.history(conversation.id)
        return [item for m in history if m.sender == Sender.CUSTOMER for item in personal_data(m.text)]


async def _assigned_event(uow: DeskUnitOfWork, conversation_id: str, user_id: int, username: str, by: str,
                          at: datetime) -> None:
    await uow.webhook_events.record("conversation.assigned", {
        "conversation_id": conversation_id, "agent_id": user_id, "agent_name": username, "by": by,
        "assigned_at": at.isoformat()}, at)
