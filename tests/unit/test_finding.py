"""Who may read a conversation, and the snippet a search result shows."""
from dataclasses import dataclass

import pytest

from handoff.finding import may_read, needs_history, snippet
from handoff.staff import Role, StaffMember

AMY, BOB = StaffMember(1, "amy", Role.AGENT), StaffMember(2, "bob", Role.AGENT)
SUE, ADA = StaffMember(3, "sue", Role.SUPERVISOR), StaffMember(4, "ada", Role.ADMIN)


@dataclass
class Seen:
    status: str
    assignee_id: int | None = None


@pytest.mark.parametrize("conversation, reader, had_it, readable", [
    (Seen("queued"), BOB, False, True),  # any agent may take it
    (Seen("assigned", 1), AMY, False, True),
    (Seen("assigned", 1), BOB, True, False),  # had it once, someone else has it now
    (Seen("resolved"), AMY, True, True),
    (Seen("resolved"), BOB, False, False),
    (Seen("bot"), AMY, True, False),  # back with the bot: a new question, not hers
    (Seen("bot"), SUE, False, True),
    (Seen("resolved"), ADA, False, True),
])
def test_agents_read_the_queue_their_own_and_what_they_resolved_supervisors_all(conversation, reader, had_it,
                                                                               readable):
    assert may_read(conversation, reader, had_it) is readable


def test_the_history_is_asked_only_where_it_decides():
    assert needs_history(Seen("resolved"), AMY)
    assert not needs_history(Seen("resolved"), SUE)
    assert not needs_history(Seen("queued"), AMY)


def test_a_snippet_shows_the_words_found_in_a_long_message():
    text = "开头" * 60 + "雨伞落在店里了" + "结尾" * 60
    cut = snippet(text, "雨伞", width=40)
    assert "雨伞" in cut and cut.startswith("…") and cut.endswith("…") and len(cut) == 42
    assert snippet("short one", "x") == "short one"
    assert snippet("Umbrella left behind", "UMBRELLA") == "Umbrella left behind"
