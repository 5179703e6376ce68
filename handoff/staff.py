"""Who acts on the desk: a staff member and their role. Hand-off decides what each role may
do; how a person logs in and proves it is the web's business (gateway/web/accounts.py)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    EDITOR = "editor"
    ADMIN = "admin"


# Who sees every conversation and may act in anyone's.
SUPERVISING = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    username: str
    role: Role
    language: str = "en"  # what the staff pages show this person: "zh-CN" or "en"
