"""The context package's reasons in the reader's language, from the bot's codes and details
(handoff/context_words.py); the recorded prose where the code is unknown."""
from handoff.context_words import handoff_reason_text, reason_text

MAJOR = {"decision": "handoff", "code": "complaint", "reason": "complaint (product, major: safety, media or regulator)",
         "category": "product", "severity": "major", "severity_reasons": ["safety", "media or regulator"], "results": []}


def test_a_complaint_reads_with_its_category_severity_and_reasons_translated():
    assert reason_text("zh-CN", MAJOR) == "投诉（商品，重大：人身安全、媒体或监管部门）"
    assert reason_text("en", MAJOR) == MAJOR["reason"]  # the catalogue says what the bot said
    ordinary = {**MAJOR, "severity": "ordinary", "severity_reasons": []}
    assert reason_text("zh-CN", ordinary) == "投诉（商品，一般）"


def test_a_severity_reason_the_catalogue_lacks_is_shown_as_the_bot_wrote_it():
    assert reason_text("zh-CN", {**MAJOR, "severity_reasons": ["press release"]}) == "投诉（商品，重大：press release）"


def test_low_confidence_with_and_without_anything_found():
    found = {"decision": "handoff", "code": "low_confidence", "results": [{"id": "a", "score": 0.123}]}
    assert reason_text("zh-CN", found) == "机器人把握不足（最佳匹配 0.12）"
    assert reason_text("zh-CN", {**found, "results": []}) == "机器人把握不足（没有匹配的条目）"


def test_an_unknown_code_shows_the_recorded_prose():
    older = {"decision": "handoff", "code": "retired_code", "reason": "the customer shouted"}
    assert reason_text("zh-CN", older) == "the customer shouted"
    assert reason_text("zh-CN", {"decision": "file_received"}) is None


def test_the_handoff_reads_from_the_turn_that_made_it_or_keeps_its_prose():
    asked = {"decision": "handoff", "code": "human_request", "reason": "customer asked for a person"}
    handoff = {"kind": "human_request", "reason": "customer asked for a person"}
    assert handoff_reason_text("zh-CN", handoff, [MAJOR, asked]) == "顾客要求转人工"
    assert handoff_reason_text("zh-CN", handoff, [MAJOR]) == "customer asked for a person"  # that turn is gone


def test_the_codes_read_are_the_ones_the_bot_writes():
    from bot import policy
    from handoff import context_words

    assert (context_words.COMPLAINT, context_words.LOW_CONFIDENCE) == (policy.COMPLAINT, policy.LOW_CONFIDENCE)
    from bot import order_responder as orders

    assert context_words._PLAIN == {policy.HUMAN_REQUEST, policy.NOT_HELPFUL, policy.UNHELPFUL, orders.ORDER_UNKNOWN,
                                    orders.ORDER_LATE, orders.ORDER_LOOKUP_FAILED, orders.ORDER_UNVERIFIED}
    assert context_words._ORDER_STEPS == {orders.ASK_NUMBER, orders.ASK_PHONE, orders.ORDER_ANSWER}
