"""Conversations handed off through the real intake, bot turn and hand-off opening, on the
memory store with a scripted bot: the world the desk's and the SLA sweeper's unit tests
act in."""
from bot.responder import BotReply
from gateway.conversations.bot_turn import BotTurn
from gateway.conversations.channel_port import InboundMessage
from gateway.conversations.commands import RunBotTurn
from gateway.conversations.intake import Intake
from handoff.desk import Desk
from handoff.pipeline_handoffs import PipelineHandoffs
from handoff.ports import StaffAccount
from handoff.staff import Role, StaffMember
from tests.memory_store import MemoryDatabase
from tests.pipeline_doubles import RecordingBus, ScriptedBot, SteppingClock

FIRST_RESPONSE_SECONDS = 600


class World:
    def __init__(self):
        self.db = MemoryDatabase()
        self.bus = RecordingBus()
        self.clock = clock = SteppingClock()
        handoffs = PipelineHandoffs(FIRST_RESPONSE_SECONDS)
        self.bot = ScriptedBot(None)
        self.intake = Intake(self.db.unit_of_work, clock, self.bus, handoffs=handoffs)
        self.turn = BotTurn(self.db.unit_of_work, self.bot, clock, self.bus, handoffs=handoffs)
        self.desk = Desk(self.db.unit_of_work, clock, self.bus)
        self._users = 0

    def staff(self, username: str, role: Role = Role.AGENT, *, active: bool = True) -> StaffMember:
        self._users += 1
        self.db.tables.accounts[self._users] = StaffAccount(self._users, username, role, active)
        return StaffMember(self._users, username, role)

    async def handed_off(self, chat: str, text: str = "I want to talk to a person", severity: str | None = None) -> str:
        """Through the bot: a request for a person, or (with a severity) a product complaint."""
        details = {"code": "human_request"} if severity is None else {
            "code": "complaint", "category": "product", "severity": severity}
        self.bot.reply = BotReply("One moment, please.", handoff_reason=details["code"],
                                  details={**details, "language": "en"})
        stored = await self.intake.receive(InboundMessage("web", chat, f"user-{chat}", text,
                                                          external_message_id=f"{chat}-{text}"))
        await self.turn.run(RunBotTurn(stored.message.id))
        return stored.message.conversation_id

    def conversation(self, conversation_id: str):
        return self.db.tables.conversations[conversation_id]

    def handoff(self, conversation_id: str):
        return max((h for h in self.db.tables.handoffs.values() if h.conversation_id == conversation_id),
                   key=lambda h: h.id)

    def issued(self, kind: type) -> list:
        return [c for c, _ in self.db.tables.outbox if isinstance(c, kind)]
