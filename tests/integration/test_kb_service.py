"""Knowledge-base versions and the live index on every database backend."""
import asyncio

import pytest

from gateway.clock import utcnow
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.unit_of_work import UnitOfWork
from knowledge_base.entry import KbEntryIn
from knowledge_base.fusion import Calibration
from knowledge_base.search import HybridSearch
from knowledge_base.service import KnowledgeBase, VersionConflict


@pytest.fixture
async def kb(database_url, encoders, tmp_path):
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    service = KnowledgeBase(lambda: UnitOfWork(sessions), HybridSearch(encoders, Calibration.load()), utcnow,
                            snapshot_path=tmp_path / "snapshot.pkl")
    yield service
    await engine.dispose()


def entry(**overrides):
    base = {"id": "gift-card-en", "language": "en", "question": "Do you sell gift cards?",
            "alternates": ["gift voucher"], "answer": "Yes, from ¥100.", "status": "published"}
    return KbEntryIn(**{**base, **overrides})


async def top(kb, text):
    return (await kb.search.search(text)).candidates[0].id


async def test_versions_record_every_change_and_conflicts_are_refused(kb):
    await kb.create(entry(status="draft"), "editor:ann")
    await kb.update("gift-card-en", entry(), "editor:bob", expected_version=1)
    with pytest.raises(VersionConflict):
        await kb.update("gift-card-en", entry(answer="stale"), "editor:ann", expected_version=1)
    history = await kb.history("gift-card-en")
    assert [(v["version"], v["action"], v["author"]) for v in history] == [
        (1, "create", "editor:ann"), (2, "publish", "editor:bob")]
    assert (await kb.get("gift-card-en"))["answer"] == "Yes, from ¥100."


async def test_the_index_follows_publish_and_delete(kb):
    await kb.create(entry(), "editor:ann")
    assert await top(kb, "can I buy a gift card") == "gift-card-en"
    await kb.delete("gift-card-en", "editor:ann")
    assert (await kb.search.search("can I buy a gift card")).candidates == []


async def test_an_unchanged_import_records_no_version(kb):
    first = await kb.import_entries([entry()], "cli", publish=True)
    again = await kb.import_entries([entry()], "cli", publish=True)
    assert (first.created, again.unchanged) == (1, 1)
    assert len(await kb.history("gift-card-en")) == 1


async def test_the_saved_index_is_reused_only_while_the_entries_are_the_same(kb, encoders, tmp_path):
    await kb.create(entry(), "editor:ann")
    docs = await kb.published_docs()
    fresh = HybridSearch(encoders, Calibration.load())
    assert fresh.load(tmp_path / "snapshot.pkl", docs)
    assert (await fresh.search("gift card")).candidates[0].id == "gift-card-en"
    changed = [d.__class__(d.id, d.language, d.question, "another answer") for d in docs]
    assert not HybridSearch(encoders, Calibration.load()).load(tmp_path / "snapshot.pkl", changed)


async def test_the_first_start_seeds_the_demo_once(kb):
    from gateway.kb_wiring import DEMO_FAQ
    from knowledge_base.importers import read_file

    assert await kb.seed_if_new(read_file(DEMO_FAQ))
    await kb.delete("refund-en", "editor:ann")
    assert not await kb.seed_if_new(read_file(DEMO_FAQ))  # an editor's deletion stays deleted
    assert len(await kb.list()) == 45


async def test_concurrent_queries_share_forward_passes(kb):
    await kb.create(entry(), "editor:ann")
    batcher = kb.search.batchers["e5"]
    before = batcher.batches
    results = await asyncio.gather(*[kb.search.search(f"gift card number {i}") for i in range(16)])
    assert all(r.candidates[0].id == "gift-card-en" for r in results)
    assert batcher.batches - before < 16
