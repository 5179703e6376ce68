"""The bot's search memo: a question asked again, or a thousand times at once, is searched
once per knowledge-base version; what the bot decides is still worked out per message."""
import asyncio

import pytest

from bot.policy import PreviousTurn, Thresholds
from bot.retrieval_responder import RetrievalResponder
from bot.search_memo import SearchMemo, same_text
from knowledge_base.search import Candidate, SearchResult


class CountingSearch:
    """Stands in for the knowledge base's search: one confident entry, every call counted;
    `hold` keeps searches waiting until the test lets them finish."""

    def __init__(self):
        self.current_fingerprint = "v1"
        self.calls: list[str] = []
        self.hold: asyncio.Event | None = None
        self.fail = False

    async def search(self, text: str, top_k: int = 5) -> SearchResult:
        self.calls.append(text)
        if self.hold is not None:
            await self.hold.wait()
        if self.fail:
            raise ConnectionError("encoder gone")
        entry = Candidate("shipping-fee", "How much is shipping?", f"Free over $50 ({self.current_fingerprint}).",
                          0.97, {})
        return SearchResult("en", "hybrid", [entry], {"e5": [0.1, 0.2]})


@pytest.fixture
def search():
    return CountingSearch()


async def test_a_question_asked_again_is_searched_once(search):
    bot = RetrievalResponder(search, Thresholds())
    first = await bot.decide("How much is shipping?")
    again = await bot.decide("How  much is shipping?")  # pasted with a double space
    assert search.calls == ["How much is shipping?"]
    assert first.kind == again.kind == "answer" and again.entry.id == "shipping-fee"
    assert (bot.memo.hits, bot.memo.misses) == (1, 1)


async def test_a_thousand_copies_at_once_wait_for_one_search(search):
    search.hold = asyncio.Event()
    bot = RetrievalResponder(search, Thresholds())
    waiting = [asyncio.create_task(bot.decide("where is my parcel")) for _ in range(1000)]
    await asyncio.sleep(0)
    search.hold.set()
    decisions = await asyncio.gather(*waiting)
    assert len(search.calls) == 1
    assert {d.entry.id for d in decisions} == {"shipping-fee"}


async def test_a_new_knowledge_base_version_searches_again(search):
    bot = RetrievalResponder(search, Thresholds())
    before = await bot.decide("How much is shipping?")
    search.current_fingerprint = "v2"  # an editor published
    after = await bot.decide("How much is shipping?")
    assert len(search.calls) == 2
    assert "(v1)" in before.entry.answer and "(v2)" in after.entry.answer


async def test_what_the_bot_decides_still_reads_the_conversation(search):
    bot = RetrievalResponder(search, Thresholds())
    assert (await bot.decide("How much is shipping?")).kind == "answer"
    # The same question again, right after that answer: it did not help, so a person.
    repeated = await bot.decide("How much is shipping?",
                                PreviousTurn(decision="answer", entry_id="shipping-fee", unhelpful_streak=1))
    assert len(search.calls) == 1
    assert repeated.kind == "handoff"


async def test_a_failed_search_is_not_kept(search):
    bot = RetrievalResponder(search, Thresholds())
    search.fail = True
    with pytest.raises(ConnectionError):
        await bot.decide("How much is shipping?")
    search.fail = False
    assert (await bot.decide("How much is shipping?")).kind == "answer"
    assert len(search.calls) == 2


async def test_the_memo_keeps_the_newest_searches_only():
    memo = SearchMemo(size=2)

    async def value(n):
        return n

    for key in ("a", "b", "c"):
        await memo.get(key, lambda key=key: value(key))
    assert len(memo) == 2
    assert await memo.get("a", lambda: value("a again")) == "a again"  # "a" was let go
    assert await memo.get("c", lambda: value("stale")) == "c"


async def test_a_memo_of_size_zero_keeps_nothing(search):
    bot = RetrievalResponder(search, Thresholds(), memo_size=0)
    await bot.decide("How much is shipping?")
    await bot.decide("How much is shipping?")
    assert len(search.calls) == 2


def test_copies_read_as_one_text():
    assert same_text("  退货　怎么办 ") == same_text("退货 怎么办") == "退货 怎么办"
    assert same_text("ＡＢＣ") == "ABC"
