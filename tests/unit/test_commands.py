"""The outbox's typed commands: what they store is what older rows already carry."""
from gateway.conversations.commands import (DeliverMessage, RequestCsat, RunBotTurn, SendHandoffStatus, decode,
                                            outbox_handlers, payload)


def test_kinds_and_payloads_are_the_stored_format():
    assert (RunBotTurn.KIND, DeliverMessage.KIND, SendHandoffStatus.KIND, RequestCsat.KIND) == (
        "bot_turn", "deliver_message", "deliver_handoff", "deliver_csat")
    assert payload(DeliverMessage("telegram", "42", 7)) == {"channel": "telegram", "chat_id": "42", "message_id": 7}
    assert payload(RunBotTurn(3)) == {"message_id": 3}


def test_a_stored_payload_reads_back_and_a_later_versions_extra_key_is_left_out():
    assert decode(SendHandoffStatus, {"channel": "web", "chat_id": "v1", "status": {"state": "queued"},
                                      "added_later": 1}) == SendHandoffStatus("web", "v1", {"state": "queued"})


async def test_the_worker_hands_each_handler_its_command():
    got = []

    async def deliver(command):
        got.append(command)

    handlers = outbox_handlers({DeliverMessage: deliver})
    await handlers["deliver_message"]({"channel": "web", "chat_id": "v1", "message_id": 9})
    assert got == [DeliverMessage("web", "v1", 9)]
