"""Every log line the gateway writes has customer personal data masked, wherever it came in."""
import io
import json
import logging

import pytest

from gateway.logs import configure_logging

PHONE, EMAIL, ID_CARD, CARD = "13812345678", "li.wei@example.com", "11010519491231002X", "6212261102001236"
SECRETS = (PHONE, EMAIL, ID_CARD, CARD, "1381234", "62122611")
MASKS = ("138****5678", "l***@example.com", "110***********002X", "621*********1236")


@pytest.fixture
def lines():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("INFO", stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.handlers[:], root.level = saved


def assert_masked(text: str):
    for secret in SECRETS:
        assert secret not in text
    for masked in MASKS:
        assert masked in text


def test_the_message_itself(lines):
    logging.getLogger("gateway.test").info(f"customer {PHONE} {EMAIL} {ID_CARD} {CARD} wrote")
    [line] = lines()
    assert_masked(line["message"])
    assert line["message"].startswith("customer 138****5678 ")


def test_percent_arguments_of_any_type(lines):
    logging.getLogger("gateway.test").warning("phone %d mail %s id %s card %s", int(PHONE), EMAIL, ID_CARD, CARD)
    [line] = lines()
    assert_masked(line["message"])


def test_extra_fields_also_nested(lines):
    logging.getLogger("gateway.test").info("lookup", extra={"phone": PHONE, "who": {"email": EMAIL,
                                                                                   "ids": [ID_CARD, CARD]},
                                                            "order": "20261122-WEB-0001", "count": 3})
    [line] = lines()
    assert_masked(json.dumps(line, ensure_ascii=False))
    assert (line["phone"], line["order"], line["count"]) == ("138****5678", "20261122-WEB-0001", 3)


def test_exception_text_and_traceback(lines):
    try:
        raise LookupError(f"no customer with {PHONE} / {EMAIL} / {ID_CARD} / {CARD}")
    except LookupError:
        logging.getLogger("gateway.test").exception("lookup failed")
    [line] = lines()
    assert "LookupError: no customer with 138****5678" in line["exc_info"]
    assert_masked(line["exc_info"])


def test_arguments_that_do_not_fit_still_get_masked(lines):
    logging.getLogger("gateway.test").error(f"bad format %s %s for {PHONE}", EMAIL)
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines())
    assert PHONE not in text and EMAIL not in text


def test_an_exception_or_a_dict_logged_as_the_message(lines):
    logging.getLogger("gateway.test").error(LookupError(f"{PHONE} {EMAIL} {ID_CARD} {CARD}"))
    logging.getLogger("gateway.test").info({"event": "lookup", "who": [PHONE, EMAIL, ID_CARD, CARD]})
    first, second = lines()
    assert_masked(first["message"])
    assert_masked(json.dumps(second["who"], ensure_ascii=False))
    assert second["event"] == "lookup"


def test_ordinary_lines_are_untouched(lines):
    logging.getLogger("gateway.test").info("handed off", extra={"position": 2, "reason": "low_confidence"})
    [line] = lines()
    assert (line["message"], line["position"], line["reason"]) == ("handed off", 2, "low_confidence")
