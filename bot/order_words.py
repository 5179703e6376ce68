"""Reading order questions: "订单2023110288到哪了", "where's my order #A1B2C3", a bare order
number after the bot asked for one, and the last four digits of a phone number.

Lexicons, like the bot's other intents (bot/intents.py): a supervisor can read them, and a
phrasing they miss falls through to the knowledge base as before, never to a wrong order.
"""
from __future__ import annotations

import re
import unicodedata

# An order number: letters, digits and dashes with at least two digits in them, so "ABCDEF"
# or a word is never one; a trailing Chinese particle is not part of it.
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9-]{3,31}"
_NAMED = re.compile(
    r"(?:订单编?号?|单号|订单|order\s*(?:number|no\.?|id|#)?|#)\s*(?:是|为|:|：|#|号)?\s*(" + _TOKEN + r")",
    re.IGNORECASE)
_BARE = re.compile(r"(?<![A-Za-z0-9-])(" + _TOKEN + r")(?![A-Za-z0-9-])")
# Numbers a customer writes beside an order question that are not its number: a mainland mobile
# (138-1234-5678, +8613812345678), a date, a sum of money.
_MOBILE = re.compile(r"(86)?1[3-9][0-9]{9}")
_DATE = re.compile(r"(19|20)[0-9]{2}-[0-9]{1,2}-[0-9]{1,2}")
_MONEY_AFTER = re.compile(r"\s*(元|块|塊|圆|yuan|rmb|usd|dollars?|bucks|pounds?|euros?)", re.IGNORECASE)
_MONEY_BEFORE = re.compile(r"[$¥￥£€]\s*$")
# Lone tokens shorter than this are read as an order number only when the bot asked for one.
SHORTEST_UNASKED = 6

def _lexicon(chinese: str, english: str) -> re.Pattern:
    """Chinese phrases, and English words bounded by anything but a Latin letter: "我的order还没
    shipped吗" has no word boundary between 的 and "order" for `\b`."""
    return re.compile(f"{chinese}|(?<![A-Za-z])(?:{english})(?![A-Za-z])", re.IGNORECASE)


# What the customer bought: the order, the parcel, "我买的耳机", "my hoodie", Taobao's 宝贝.
_THING = _lexicon(
    r"订单|訂單|单号|單號|单子|快递|快遞|快第|包裹|物流|(?<![退换补])货(?!款)|(?<![退换補])貨|"
    r"(?<![文条邮配软证这那一两几每另])件|东西|東西|宝贝|寶貝|(买|買|下单|下單|订|訂)的|下的(单|單)|我的",
    r"orders?|ordered|package|pakage|packages|parcel|shipment|delivery|stuff|items?|purchase|purchased|bought|"
    r"courier|driver|my \w+")
# Where it is, whether it left, when it comes, that it has not: said of one order.
_WHEREABOUTS = _lexicon(
    r"到哪|在哪|到了(吗|嗎|没|沒)|到没到|到沒到|还没到|還沒到|没到|沒到|没收到|沒收到|还没收|還沒收|还没来|還沒來|"
    r"(发|發|寄|出)(了|出|出去)?(吗|嗎|没|沒)|(发|發|出)(货|貨|或)了?(吗|嗎|没|沒)|发没发|發沒發|没发|沒發|"
    r"有没有(发|發|寄|到|出)|显示(什么|啥)|顯示(什麼|啥)|(发|發|寄)(出来|出來|出去)|寄出|出货|出貨|出库|出庫|已发货|待发货|"
    r"还没(发|發|动|動)|还在(路上|仓库)|在路上|不动|没动|运输中|派送|配送|送达|送到|送來|送来|到驿站|到我们|丢了|"
    r"到得了|到不了|送不送|"
    r"(什么|什麼|啥|几|幾|哪)(时候|時候|时|天|号|號|点|點).{0,4}(到|发|發|送|寄|出)|多久.{0,3}到|今天能|明天能|能到|会到|會到|"
    r"预计|預計|(查|看|瞧)(一下|下|看|一看)?.{0,8}(物流|快递|快遞|订单|訂單|单号|單號|包裹|到哪)|快递单号|单号多少|"
    r"(怎么|咋|什么)(回事|情况)|(东西|東西|货|貨|包裹|快递|物流)呢|了没|了沒",
    r"where'?s?|wheres|status|track|tracking|update|news|eta|delay\w*|late|expected|estimated|"
    r"ship|shipped|dispatched|sent( out)?|send|posted|gone out|left|handed|moved|on (its|the) way|out for delivery|"
    r"arrive[sd]?|arriving|delivered|coming|come|gets? here|here yet|"
    r"still (waiting|nothing|no|not|with you)|nothing yet|not (here|arrived|received|recieved)|"
    r"what'?s (happening|going on)|what happened|check (on )?(my|the|this|it|order)|"
    r"(hasn'?t|haven'?t|havent|hasnt|didn'?t|didnt|not) (yet )?(arrived|come|moved|shipped|got|gotten|received|recieved)|"
    r"when(s|'s)?|how long (until|till|til)")
# The customer's own: "my", "I ordered", or an order they name by number (Chinese leaves the
# "my" out: "快递到哪了" is the writer's own parcel).
_MINE = _lexicon(r"我", r"my|mine|i|i'?ve|i'?m|im|me|ordered|(please|pls|can you|could you) check")
# About an order, but not its whereabouts: returns, refunds, cancellations, exchanges, invoices,
# changes to it, damaged or wrong goods, restocks, coupons and fees.
_OTHER_MATTER = _lexicon(
    r"退|换货|換貨|取消|发票|發票|开票|(改|换|修改|更改|更换)(收货)?(地址|电话|手机)|地址(改|换|错|寫錯|写错)|优惠|優惠|"
    r"运费|運費|邮费|碎|坏了|壞了|破损|發錯|发错|错了|少发|漏发|补货|補貨|到货通知|有货|合并|合併|加购|一起发|到账|到賬|积分|積分",
    r"refund\w*|return\w*|exchang\w*|cancel\w*|invoice|receipt|"
    r"(change|update|correct) (the |my )?(delivery |shipping )?(address|phone|number|email|name|contact)|"
    r"coupon|discount|promo\w*|points|declined|payment|card|broken|damaged|wrong|missing item|size|shipping (cost|fee|price)s?|"
    r"(arrived|came|got it|received it)[^?]*(thanks|thank you|thx)")
# How things work in general, before or without an order: the knowledge base answers those.
_IN_GENERAL = _lexicon(
    r"怎么查|怎麼查|如何查|在哪(里|儿|裡)?(可以)?(看|查)|哪里(可以)?(看|查)|一般|通常|默认|如果|要是|的话|的話|预售|預售|"
    r"下单后|付款后|周末|节假日|節假日|假期|你们(用|发|走)(的)?(什么|哪家)|从哪(里|儿)?发|仓库在哪|"
    r"(京东|顺丰|圆通|中通|申通|韵达|邮政|EMS|德邦|极兔)(快递)?(能|可以)|^(?!.*我).*(能|可以|能不能)(发货|發貨)|"
    r"(能|可以)(送|寄|发)(到)?(家|门口|楼上|农村|乡镇|偏远|国外|海外|香港|台湾)|发什么快递|哪家快递|几天(能)?到.{0,3}(吗|嗎)?$",
    r"how (do|can|to|does) (i |you |one )?(track|check|find|get|see)|where (do|can) i (find|see|track)|if i order|"
    r"before i order|when i order|without an account|do you (ship|deliver|use)|"
    r"how long does (shipping|delivery|it) take|usually|in general|typically")

_LAST4 = re.compile(r"^\D{0,24}?(\d[\d\s-]{2,18}\d)\D{0,6}$")


def order_number(text: str, bare: bool = False, asked: bool = False) -> str | None:
    """The order number in a message: one it names ("订单 2023110288", "order #A1B2C3"), or
    with `bare` any lone token that looks like one: of six characters or more, or of four when
    the bot `asked` for the number."""
    text = _plain(text)
    for pattern, shortest in ((_NAMED, 4), *(((_BARE, 4 if asked else SHORTEST_UNASKED),) if bare else ())):
        for found in pattern.finditer(text):
            token = found.group(1).strip("-")
            if len(token) >= shortest and sum(c.isdigit() for c in token) >= 2 and not _other_number(text, found):
                return token
    return None


def _other_number(text: str, found: re.Match) -> bool:
    token = found.group(1).strip("-")
    return bool(_MOBILE.fullmatch(token.replace("-", "")) or _DATE.fullmatch(token)
                or _MONEY_AFTER.match(text, found.end()) or _MONEY_BEFORE.search(text[:found.start()]))


def _plain(text: str) -> str:
    """Full-width digits and letters as Chinese keyboards type them, and a phone's curly apostrophe."""
    return unicodedata.normalize("NFKC", text).replace("\u2019", "'")


def asks_order_status(text: str) -> bool:
    """An order-status question: where the customer's own order or parcel is, whether it has
    left, when it comes, or that it has not; not returns, refunds or how things work in general."""
    text = _plain(text)
    if _OTHER_MATTER.search(text) or not _WHEREABOUTS.search(text):
        return False
    numbered = order_number(text, bare=True) is not None
    if _IN_GENERAL.search(text) and not numbered:
        return False
    return bool(_THING.search(text) or numbered) and (numbered or bool(_MINE.search(text)) or _chinese(text))


def _chinese(text: str) -> bool:
    """Chinese leaves out the "my": "快递到哪了" is about the writer's own parcel."""
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def last_four(text: str, not_of: str | None = None) -> str | None:
    """The last four digits a customer sent when asked for them: "5678", "尾号 5678", or the
    whole number; None for a message that is not a number, or that repeats the order number
    `not_of` (that is no guess at the phone)."""
    text = _plain(text).strip()
    found = _LAST4.match(text)
    if found is None or (not_of and not_of.casefold() in text.casefold()):
        return None
    digits = re.sub(r"\D", "", found.group(1))
    return digits[-4:] if len(digits) >= 4 else None
