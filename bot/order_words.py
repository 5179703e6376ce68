"""Reading order questions: "订单2023110288到哪了", "where's my order #A1B2C3", a bare order
number after the bot asked for one, and the last four digits of a phone number.

Lexicons, like the bot's other intents (bot/intents.py): a supervisor can read them, and a
phrasing they miss falls through to the knowledge base as before, never to a wrong order.
"""
from __future__ import annotations

import re

# An order number: letters, digits and dashes with at least two digits in them, so "ABCDEF"
# or a word is never one; a trailing Chinese particle is not part of it.
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9-]{3,31}"
_NAMED = re.compile(
    r"(?:订单编?号?|单号|订单|order\s*(?:number|no\.?|id|#)?|#)\s*(?:是|为|:|：|#|号)?\s*(" + _TOKEN + r")",
    re.IGNORECASE)
# A mainland mobile number the customer gave beside the question is not the order's number.
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_BARE = re.compile(r"(?<![A-Za-z0-9-])(" + _TOKEN + r")(?![A-Za-z0-9-])")

_ORDER = re.compile(r"订单|单号|快递|包裹|物流|(?<![退换])货(?!款)|\b(orders?|package|parcel|shipment|delivery|purchase)\b",
                    re.IGNORECASE)
_STATUS = re.compile(
    r"到哪|在哪|到了(吗|没)|到没到|什么时候(能)?(到|发|送)|啥时候(能)?(到|发|送)|几时到|多久(能)?到|还没(到|收到|发|送)|"
    r"怎么还没|发货了(吗|没)|发了(吗|没)|状态|进度|物流信息|派送|查(一下|下|询)?(我的|下我的)?(订单|快递|包裹|物流|货)|"
    r"\b(where|status|track|tracking|eta|still waiting|(not|hasn'?t|haven'?t|didn'?t|isn'?t|wasn'?t) (yet )?(arrived|here|received|shipped|come|been \w+)|"
    r"(hasn'?t|has|have|did|didn'?t|is|isn'?t) (it|my \w+|the \w+|this \w+)( \w+)? (arrived|shipped|dispatched|come|"
    r"delivered|here)|when (will|does|is|do|would|can) )",
    re.IGNORECASE)
# Whose order: the customer's own ("my order", "我的快递") or one they name by number. "How do
# you ship orders?" is for the knowledge base.
_MINE = re.compile(r"我|\b(my|mine|i|i'?ve|i'?m)\b", re.IGNORECASE)
# How-to questions about tracking in general, answered by the knowledge base's entry; and
# returns, refunds and cancellations, which are about an order but not its whereabouts.
_NOT_STATUS = re.compile(r"怎么查|如何查|在哪(里)?查|退|换货|取消|\bhow (do|can|to) (i |you )?(track|check)\b|"
                         r"\b(refund\w*|return\w*|exchang\w*|cancel\w*|broken|damaged|wrong)\b", re.IGNORECASE)

_LAST4 = re.compile(r"^\D{0,12}?(\d[\d\s-]{2,18}\d)\D{0,6}$")


def order_number(text: str, bare: bool = False) -> str | None:
    """The order number in a message: one it names ("订单 2023110288", "order #A1B2C3"), or
    with `bare` (the bot asked for it) any lone token that looks like one."""
    for pattern in (_NAMED, *((_BARE,) if bare else ())):
        for found in pattern.finditer(text):
            token = found.group(1).strip("-")
            if sum(c.isdigit() for c in token) >= 2 and not _MOBILE.fullmatch(token):
                return token
    return None


def asks_order_status(text: str) -> bool:
    """An order-status question: about an order, parcel or delivery, asking where or when,
    and about the customer's own one (theirs, or one with its number)."""
    text = text.replace("\u2019", "'")  # a phone's curly apostrophe
    if not (_ORDER.search(text) and _STATUS.search(text)) or _NOT_STATUS.search(text):
        return False
    return order_number(text, bare=True) is not None or bool(_MINE.search(text))


def last_four(text: str) -> str | None:
    """The last four digits a customer sent when asked for them: "5678", "尾号 5678", or the
    whole number; None for a message that is not a number."""
    found = _LAST4.match(text.strip())
    if found is None:
        return None
    digits = re.sub(r"\D", "", found.group(1))
    return digits[-4:] if len(digits) >= 4 else None
