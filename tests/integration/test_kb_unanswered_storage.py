"""Finding unanswered questions and marking them handled, on SQLite and PostgreSQL (JSON paths differ)."""
import pytest

from knowledge_base.unanswered import AlreadyHandled, mark_handled, pending_questions
from tests.conftest import make_settings, start_server
from tests.e2e.test_kb_editor_api import CEO, unanswered_by_the_bot


async def test_low_confidence_questions_are_found_until_handled(database_url, tmp_path, encoders):
    live = await start_server(make_settings(database_url, tmp_path), encoders)
    try:
        await unanswered_by_the_bot(live, CEO[0], CEO[1])
        uow = live.gateway.knowledge._uow
        async with uow() as u:
            found = await pending_questions(u.unanswered)
        assert sorted(q.text for q in found) == sorted(CEO[:2])
        async with uow() as u:
            await mark_handled(u.unanswered, [found[0].message_id], "dismissed", "editor:t", found[0].asked_at)
            await u.commit()
        async with uow() as u:
            assert [q.message_id for q in await pending_questions(u.unanswered)] == [found[1].message_id]
            with pytest.raises(AlreadyHandled):
                await mark_handled(u.unanswered, [found[0].message_id], "dismissed", "editor:t", found[0].asked_at)
    finally:
        await live.stop()
