"""The conversation domain: who may talk, and how a conversation moves between owners.

Pure Python on purpose: the status rules are the policy, and they must be testable
without a database or a socket.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    BOT = "bot"            # the retrieval bot owns it
    QUEUED = "queued"      # handed off, waiting for a person
    ASSIGNED = "assigned"  # a person owns it
    RESOLVED = "resolved"


class Sender(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


# Which status may follow which. ASSIGNED -> ASSIGNED is a transfer between agents;
# ASSIGNED -> QUEUED hands it back to the queue; RESOLVED -> BOT is the reopen a new
# customer message causes (the bot answers first again, as on a fresh conversation).
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.BOT: frozenset({Status.QUEUED, Status.RESOLVED}),
    Status.QUEUED: frozenset({Status.ASSIGNED, Status.RESOLVED}),
    Status.ASSIGNED: frozenset({Status.ASSIGNED, Status.QUEUED, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.BOT}),
}


class InvalidTransition(ValueError):
    def __init__(self, current: Status, target: Status):
        super().__init__(f"a conversation cannot go from {current} to {target}")
        self.current = current
        self.target = target


class ConcurrentUpdate(RuntimeError):
    """Somebody else changed the conversation first; reload and decide again."""


@dataclass(frozen=True)
class Transition:
    from_status: Status
    to_status: Status
    actor: str   # "customer", "bot", "agent:<id>", "system"
    reason: str


def plan_transition(current: Status, target: Status, *, actor: str, reason: str) -> Transition:
    if target not in ALLOWED[current]:
        raise InvalidTransition(current, target)
    if not reason:
        raise ValueError("every status change records why it happened")
    return Transition(current, target, actor, reason)


MAX_TEXT_LENGTH = 4096
# Staff write longer than customers (a return procedure, a policy quoted whole); a channel
# that cannot take a text whole sends it in parts.
MAX_REPLY_LENGTH = 16000
