"""The reply guard: what an agent's reply must not say before it reaches a customer.

The support handbook forbids insulting, threatening or brushing a customer off, and showing
personal data that is not this customer's. The console warns the agent with these hits (the
agent may confirm and send anyway) and the caller logs every hit for quality review.
Plain lexicons in both languages, like bot/intents.py: a supervisor can read and extend them.
Pure: no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from gateway.privacy import pii


def _any(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class GuardHit:
    kind: str  # insult | threat | brush_off | foreign_personal_data
    excerpt: str  # the matched text; personal data masked
    message: str  # one sentence for the agent


INSULT = _any(
    # A tea shop boils water: 滚水, 滚烫, 水滚了 and 滚开的水 are brewing advice, not "get lost".
    r"傻(?!眼)|蠢|白痴|弱智|智障|笨蛋|神经病|脑子(有病|进水|有问题)|(?<!没)有病(?!史|虫|害)|废物|你懂不懂|听不懂人话|"
    r"(?<![水煮])滚(?![动筒轮烫珠梯圆水]|开的)",
    r"\b(idiots?|idiotic|stupid|morons?|moronic|dumb|dumbass|imbeciles?|fools?|clueless|losers?|pathetic)\b|"
    r"\bshut up\b|\bare you (blind|deaf)\b|\bcan'?t you read\b",
)
THREAT = _any(
    # 你等着 is a threat standing alone ("你等着！", "你等着瞧"), not in "你等着收货就行".
    r"你(给我)?等着(?=\s*$|\s*[!！。.,，~]|瞧|吧)|(你(给我)?|给我)(最好)?小心(一)?点|后果自负|投诉(也|都)没(有)?用|有你好看|让你好看|"
    r"走着瞧|别怪我不客气|知道你住(在)?哪|你会后悔",
    r"\bsue you\b|\byou('ll| will) regret\b|\bwe know where you live\b|\bwatch (yourself|your back)\b|"
    r"\byou('ve| have) been warned\b|\bcomplain all you (want|like)\b|\bcomplaining (won't|will not) help\b|"
    r"\bor else\s*([.!]|$)",
)
# Brush-offs that are one whatever follows: "not my department" is refused by the handbook even
# with a transfer after it (say "billing handles this, I'm transferring you" instead).
BRUSH_OFF = _any(
    r"不归(我|我们)(部门)?管|不关(我|我们)的?事|不是(我|我们)(部门)?负责|你自己(去)?(看|查|问|联系|想办法)|爱买不买|爱要不要|"
    r"(你)?找别人去|你(去)?找别人|你(去)?问别人|问别人去",
    r"\bnot my (department|problem|job|responsibility)\b|\bnot our problem\b|\bthat'?s your problem\b|"
    r"\bfigure (it|that) out (by )?yourself\b|(?<!'ll )(?<!will )(?<!can )(?<!to )\bdeal with it\b",
)
# Not knowing is honest, giving up is not. These count as a brush-off only when nothing
# constructive follows them in the reply: "不知道。" or "I don't know." is; "I don't know yet,
# let me check with the warehouse" and "我不知道您是否收到了短信，我再发一次" are not.
# 不知道您…/不知道是否… is the polite way to ask a question, not an answer.
SOFT_BRUSH_OFF = _any(
    r"不知道(?!\s*(您|你是否|是否))|不晓得|我(也)?不清楚|没(有)?办法",
    r"\bi (don'?t|do not) know\b|\bi dunno\b|\bno idea\b|\b(can'?t|cannot|can not) help you\b",
)
CONSTRUCTIVE = _any(
    r"我(再|来|帮|给|去|马上|这就|立刻|会|先|现在|们会|们来|们马上)|帮您|为您|给您|马上|立即|稍等|请稍|核实|查一下|查询|"
    r"确认一下|反馈给|转给|升级|申请",
    r"\b(let me|let us|i'?ll|i will|we'?ll|we will|i'?m going to|i am going to)\b|\bget back to you\b|"
    r"\bfind out\b|\blook into\b|\bfollow up\b|\bescalat\w*",
)
MESSAGES = {
    "insult": "This reads as an insult to the customer; please rephrase it respectfully.",
    "threat": "This reads as a threat to the customer; please remove it.",
    "brush_off": "This brushes the customer off; say what you will do or who will help instead.",
    "mockery": "This reads as mocking the customer; please answer plainly and politely.",
}

# Landlines are left out: the numbers a shop gives customers (its own, a courier's) are landline
# or service numbers, and the handbook only forbids other people's personal data.
GUARDED = (pii.PHONE, pii.ID_CARD, pii.BANK_CARD, pii.EMAIL)


def check_reply(text: str, customer_data: Iterable[str] = ()) -> list[GuardHit]:
    """Everything in an agent's reply the handbook forbids, in order of appearance.

    customer_data is what the reply may show: this customer's own phone, e-mail, ID, card
    (a caller may add the shop's public contacts too). An empty list means the reply is clean."""
    if isinstance(customer_data, str):
        customer_data = (customer_data,)
    own = {pii.normalise(item) for item in customer_data if item and item.strip()}
    found: list[tuple[int, GuardHit]] = []
    for kind, pattern in (("insult", INSULT), ("threat", THREAT), ("brush_off", BRUSH_OFF)):
        found += [(m.start(), GuardHit(kind, m.group().strip(), MESSAGES[kind])) for m in pattern.finditer(text)]
    for m in SOFT_BRUSH_OFF.finditer(text):
        if not CONSTRUCTIVE.search(text, m.end()):
            found.append((m.start(), GuardHit("brush_off", m.group(), MESSAGES["brush_off"])))
    for item in pii.find(text, GUARDED):
        if pii.normalise(item.value) not in own:
            message = f"This {item.label} is not this customer's personal data; please remove it before sending."
            found.append((item.start, GuardHit("foreign_personal_data", item.masked, message)))
    return [hit for _, hit in sorted(found, key=lambda pair: pair[0])]


def personal_data(text: str) -> list[str]:
    """Phones, ID and card numbers and e-mail addresses in a text: what a customer told us
    about themselves, and so may be repeated back to them."""
    return [item.value for item in pii.find(text, GUARDED)]
