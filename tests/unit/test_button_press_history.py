"""A button pressed under an older bot message is read against the conversation as it stood
at that message."""
from dataclasses import dataclass, field

from bot.retrieval_responder import _as_of_press


@dataclass
class Said:
    id: int
    sender: str
    text: str
    meta: dict = field(default_factory=dict)


HISTORY = [Said(1, "customer", "invoice?"), Said(2, "bot", "invoice answer"),
           Said(3, "customer", "tea storage?"), Said(4, "bot", "storage answer")]


def test_a_typed_message_reads_the_whole_conversation():
    typed = Said(5, "customer", "Helpful")
    assert _as_of_press([*HISTORY, typed], "Helpful") == [*HISTORY, typed]


def test_a_press_under_an_older_answer_reads_up_to_that_answer():
    press = Said(5, "customer", "Helpful", {"pressed_on": 2})
    assert _as_of_press([*HISTORY, press], "Helpful") == [*HISTORY[:2], press]


def test_a_press_under_a_message_this_conversation_does_not_hold_answers_nothing_in_it():
    press = Said(5, "customer", "Helpful", {"pressed_on": 99})
    assert _as_of_press([*HISTORY, press], "Helpful") == [press]
