"""Customer text as the console shows it when GATEWAY_CONSOLE_MASK_PII is on, and the
audited reveal of one message.

Masking happens where the text leaves for the console (the context package, the queue and
conversation lists, live `message` events); the stored messages are never changed. A masked
message carries `masked: true`, a list row `last_customer_message_masked: true`. Only what
customers write is masked: bot answers are the shop's own text, and agents see their own words.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway import audit
from gateway.conversations.model import Sender
from gateway.privacy import pii
from gateway.conversations.ports import ConversationRecord
from handoff.ports import DeskUnitOfWork
from handoff.staff import StaffMember

REVEALED = "pii_revealed"


class NotRevealable(LookupError):
    """Not a customer message of this customer's conversations."""


def mask_message(message: dict) -> dict:
    """A staff event of one message, its text masked if it is a customer's and holds personal data."""
    if message.get("sender") != Sender.CUSTOMER:
        return message
    text = message.get("text")
    masked = pii.mask(text)
    return message if masked == text else {**message, "text": masked, "masked": True}


def mask_row(row: dict) -> dict:
    """A queue or list row (also the head of a context package)."""
    text = row.get("last_customer_message")
    masked = pii.mask(text)
    return row if masked == text else {**row, "last_customer_message": masked, "last_customer_message_masked": True}


@dataclass(frozen=True)
class ConsoleView:
    """What the console is handed: as stored, or masked when the setting is on."""
    mask_pii: bool = False

    def rows(self, rows: list[dict]) -> list[dict]:
        return [mask_row(r) for r in rows] if self.mask_pii else rows

    def text(self, text: str) -> str:
        """A customer's words quoted outside a message: a search match, what suggestions read."""
        return pii.mask(text) if self.mask_pii else text

    def message(self, message: dict) -> dict:
        return mask_message(message) if self.mask_pii else message

    def package(self, package: dict) -> dict:
        if not self.mask_pii:
            return package
        # The summary quotes the customer's last message; the order card holds what the customer
        # typed as an order number, which may have been their phone number.
        return {**mask_row(package), "summary": pii.mask(package["summary"]),
                "transcript": [mask_message(m) for m in package["transcript"]],
                "order": pii.mask_nested(package["order"]) if package.get("order") else package.get("order")}


async def reveal(uow: DeskUnitOfWork, conversation: ConversationRecord, message_id: int, by: StaffMember,
                 now: datetime) -> str:
    """The original text of one customer message shown in this conversation's context (which
    spans all of the customer's conversations). The audit row is added to the caller's unit of
    work, so the text is handed out only once the row is committed; it names who, which
    conversation and which message, never the text."""
    message = await uow.chats.message(message_id)
    if message is None or message.sender != Sender.CUSTOMER:
        raise NotRevealable(f"no customer message {message_id} here")
    if message.conversation_id != conversation.id:
        owner = await uow.chats.conversation(message.conversation_id)
        if owner is None or owner.customer_id != conversation.customer_id:
            raise NotRevealable(f"no customer message {message_id} here")
    audit.record(uow, at=now, actor=f"{by.role}:{by.username}", action=REVEALED, object_type="conversation",
                 object_id=conversation.id, summary=f"showed the unmasked text of message {message_id}",
                 after={"message_id": message_id, "message_conversation_id": message.conversation_id})
    return message.text or ""
