import pytest

from gateway.conversations.model import ALLOWED, InvalidTransition, Status, plan_transition


def test_the_hand_off_path_is_allowed_end_to_end():
    path = [Status.BOT, Status.QUEUED, Status.ASSIGNED, Status.RESOLVED, Status.BOT]
    for current, target in zip(path, path[1:]):
        change = plan_transition(current, target, actor="system", reason="test")
        assert (change.from_status, change.to_status) == (current, target)


@pytest.mark.parametrize(
    "current,target",
    [(Status.BOT, Status.ASSIGNED), (Status.RESOLVED, Status.ASSIGNED), (Status.QUEUED, Status.BOT),
     (Status.RESOLVED, Status.QUEUED), (Status.BOT, Status.BOT)],
)
def test_skipping_the_queue_or_reviving_a_resolved_one_for_an_agent_is_refused(current, target):
    with pytest.raises(InvalidTransition):
        plan_transition(current, target, actor="system", reason="test")


def test_every_status_change_needs_a_reason():
    with pytest.raises(ValueError):
        plan_transition(Status.BOT, Status.QUEUED, actor="bot", reason="")


def test_every_status_has_a_way_out():
    assert set(ALLOWED) == set(Status)
    assert all(ALLOWED[s] for s in Status)
