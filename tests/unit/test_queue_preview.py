"""List rows show the start of a message, never half a number that masking would miss."""
from gateway.privacy import pii
from handoff.context import PREVIEW, preview


def test_a_short_message_is_shown_whole():
    assert preview("运费怎么算？") == "运费怎么算？"


def test_the_cut_never_leaves_part_of_a_phone_number_or_address():
    for tail in ("13812345678", "138 1234 5678", "someone@example.com", "6222 0202 0000 0000 018"):
        for lead in range(PREVIEW - 15, PREVIEW):
            text = "我" * lead + tail + " 谢谢" * 20
            shown = preview(text)
            assert len(shown) <= PREVIEW + 1 and shown.endswith("…")
            rest = shown.rstrip("…")[lead:]
            assert rest == "" or rest.startswith(tail), (lead, tail, shown[-20:])  # all of it or none
            assert pii.normalise(tail) not in pii.normalise(pii.mask(shown))


def test_words_are_cut_at_a_word_boundary():
    assert preview("hello " * 50).endswith("hello…")
