"""What a message wants beyond an FAQ answer: a person, or to complain.

Plain lexicons in both languages: auditable by a supervisor, extended by adding a line,
and measured by `cs-gateway kb eval` (human-request recall, complaint recall, category).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORIES = ("product", "service", "logistics", "other")


def _any(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


HUMAN = _any(
    # Typed fast on a phone, 人工 often comes out as a homophone: 人公, 人供, 人功, 仁工.
    r"转(接)?(个)?(人|仁)(工|公|供|功|宫)|(人|仁)(工|公|供|功)客服|人工服务|(找|要|接|换|叫)(个|一个)?人工|人工[!！。\s]*$|^[\s]*人工",
    r"真人|活人|真的人|客服人员|工作人员|找客服|叫客服|联系客服|客服电话|打电话给你们",
    r"(跟|和|与|找|让|叫|换|来)(个|一个)?(你们的?)?(人|客服|领导|经理|主管|负责人|店长|老板)",
    r"有人(吗|在吗|嘛)|有没有人|(安排|派|分配)(个|一个|位)?(客服|人工|专员)",
    # Typed in pinyin: zhuan ren gong, ren gong ke fu.
    r"\b(zhuan\s*)?ren\s*gong(\s*ke\s*fu)?\b|\brgkf\b",
    r"(别|不要|不想|不用)(跟|和)?(用)?机器人|机器人(听不懂|没用|太笨|不行)|你是机器人(吗|吧)|不是机器人",
    r"\b(human|humans|real person|real people|live (agent|person|chat|support)|an? agent|agent please|"
    r"represent\w*|repres[ae]nt[ai]tive|rep|operat[eo]r|someone real|somebody real|a person|actual person|"
    r"staff member)\b",
    r"\b(speak|talk|chat)\s+(to|with)\s+(someone|somebody|a person|a human|a real|staff|your staff|support|"
    r"customer service|a manager|the manager|an agent|a rep)",
    r"\b(put|get) me through\b|\b(transfer|connect|pass) me (to|with)\b",
    r"\b(manager|supervisor)\b",
    r"\b(not|no more|stop)\s+(a |the |this )?(bot|robot|machine)\b|\bare you a (bot|robot)\b",
    r"\bcall me\b|\bphone number\b.*\b(support|service|someone)\b",
)
# "When are your agents online?" asks for service hours, which the FAQ answers.
HUMAN_BUT_HOURS = _any(r"几点|时间|上班|下班|营业|\bhours?\b|\bwhen\b.*\b(open|available|online)\b")

COMPLAINT = _any(
    r"投诉|举报|差评|太差|很差|真差|好差|垃圾|骗子|骗人|坑人|坑爹|欺诈|欺骗|忽悠|无良|黑店|恶心|气死|太过分|过分了|离谱|"
    r"愤怒|生气|不满|态度(差|恶劣|太差|很差)|爱理不理|不理人|没人管|没人理|赔偿|索赔|维权|什么破|破东西|太烂|烂透|失望|"
    r"搞什么|怎么回事[!！?？]|说法|给个交代|说清楚|无语|受不了|忍无可忍|(难喝|难吃|烦|气|坑|慢|差)死了|"
    r"扣了?(我)?两次|重复扣|多扣|乱扣|能不能(认真|靠谱|上点心)|不认真|发霉|霉味|变质|过期了",
    r"\b(complain|complaint|complaints|terrible|awful|horrible|worst|unacceptable|ridiculous|disgusting|"
    r"outrageous|scam|scammed|fraud|rip-?off|cheated|furious|angry|pissed|fed up|disappointed|useless|"
    r"incompetent|rude|never again|compensat\w*|appalling|shocking|pathetic|joke|sloppy|careless|annoying|"
    r"unprofessional|overcharged|double[- ]charged|wrong item|mou?ldy)\b|\bcharged\b.*\btwice\b|"
    r"\b(nobody|no one|no-one)\s+(tells|told|answers|answered|replies|replied|responds|responded|cares)\b|"
    r"\b(weeks?|days?) late\b",
)
# Harm to a person, or goods that could do it: electricity, smoke and fire, choking, skin.
SAFETY = _any(
    r"生病|病了|住院|医院|中毒|过敏|拉肚子|腹泻|呕吐|吐了|烫伤|烧伤|受伤|划伤|割伤|流血|爆炸|炸了|炸裂|着火|起火|危险|安全问题|"
    r"触电|漏电|(?<!充)电到|电击|麻手|冒烟|冒火|火花|烧焦|焦味|点着|窒息|噎|误吞|吞(了|下|进)|卡(在)?喉|红肿|起疹",
    r"\b(sick|ill|hospital\w*|poison\w*|allerg\w*|vomit\w*|diarrh\w*|burn|burned|burnt|burns|injur\w*|hurt|"
    r"bleed\w*|explod\w*|caught fire|fire|dangerous|unsafe|safety|emergency|electric(al)? shock|"
    r"(gave|got|get) (me |him |her |them |my \w+ )?an? (electric )?shock|shocked (me|him|her|them|my \w+)|"
    r"electrocut\w*|smok(e|es|ing)|sparks?|chok(e|ed|es|ing)|swallowed|suffocat\w*|scald\w*|a rash|rashes|"
    r"swollen)\b",
)
AUTHORITY = _any(
    r"12315|消协|消费者协会|市场监管|工商局|工商|媒体|记者|电视台|报社|曝光|微博|抖音|小红书|网上发|发到网上|律师|起诉|法院|报警|警察|打官司",
    r"\b(journalists?|reporters?|media|press|news|tv|regulators?|consumer (protection|association|council|rights)|"
    r"authorit\w*|lawyers?|attorneys?|sue|suing|court|legal action|police|viral|social media|twitter|weibo|"
    r"tiktok|bbb|trading standards)\b",
)
# Counted people, households or orders, and whole groups (a building, an office, a dorm).
MANY_CUSTOMERS = _any(
    r"很多人|好多人|大家都|不止我一个|不只我一个|其他顾客|很多顾客|好多顾客|一群人|集体|所有人|好几个朋友|我们几个|"
    r"(几十|数十|上百|好几|十几|二十多|几百)(个|位|户|家|单|名)?(人|户|家|邻居|同事|同学|朋友|业主|顾客|用户|单|订单)|"
    r"(整|全)(栋|个|座)?(楼|小区|办公室|宿舍|单位|班|群)(的人)?.{0,6}都|(业主|邻居们|宿舍|群里|评论区).{0,8}(都|全)",
    r"\b(many|lots of|hundreds of|dozens of|other|all the)\s+(customers|people|buyers|users)\b|"
    r"\bnot the only one\b|\beveryone\b|\ball of us\b|"
    r"\b(\d{2,}|a dozen|dozens)\s+(of\s+)?(us|people|customers|families|households|colleagues|neighbou?rs|"
    r"friends|members)\b|"
    r"\b(whole|entire|half (of )?(my|the|our))\s+(building|office|team|street|group|class|dorm|neighbou?rhood|block|company)\b",
)
# "1200多块", "¥1,580", "$1.2k": a sum with its currency, whatever sits between the digits and
# it. Each part of the pattern can match in one way only: a message of spaces and digits
# must not make the matcher try every split or every start inside a number (4,096
# characters took minutes so).
_AMOUNT = re.compile(
    r"(?:[¥￥$]\s*(\d[\d,]*(?:\.\d+)?)(k(?![a-z]))?)|"
    r"(?:(?<![\d,.])(\d[\d,]*(?:\.\d+)?)(k(?![a-z]))?\s*(?:[多余来]\s*)?(?:元|块|rmb|yuan|bucks|dollars|usd|cny))",
    re.IGNORECASE,
)
# Sums written in words, with money beside them: 三千多块, 一千三百多的, 赔我一百万, a thousand bucks.
_BIG_WORDS = _any(
    r"(?<![一二两三四五六七八九十几上百])[一二两三四五六七八九十几上百]+[千万][一二两三四五六七八九十百零几]*[多余]?"
    r"(块|元|钱|的|$|[，。！!？?\s])",
    r"\b(a|one|two|three|several|few|over a|over) (thousand|grand)\b.{0,12}\b(dollars|bucks|yuan|rmb|usd|worth)\b|"
    r"\bthousands of (dollars|bucks|yuan)\b|\b\d+\s*grand\b",
)
LARGE_SUM = 1000  # yuan
DOLLAR_IN_YUAN = 7  # near enough for telling a large sum from a small one

CATEGORY_WORDS = {
    "logistics": _any(
        r"快递|物流|配送|送货|包裹|运输|发货|没收到|还没到|没到|丢件|丢了|快递员|顺丰|中通|派送|延误|迟迟|发错|发成",
        r"\b(deliver\w*|shipping|shipped|courier|parcel|package|shipment|late|delayed|lost|never arrived|"
        r"tracking|driver|arrived|transit|wrong item|box|dented|packing|packaging)\b",
    ),
    "product": _any(
        r"茶叶|茶饼|质量|发霉|霉|过期|变质|味道|口感|假|碎|裂|壶|盖碗|杯|漏水|异物|虫|头发|坏了|次品|劣质|"
        r"喝了|吃了|难喝|普洱|红茶|绿茶|白茶|乌龙|龙井",
        r"\b(quality|mou?ld\w*|expired|stale|taste\w*|fake|counterfeit|broken|cracked|leak\w*|teapot|cup|gaiwan|"
        r"product|defective|bug|bugs|hair|tea|tea leaves|smell\w*|damaged|pu-?erh|oolong|jasmine|drank|drinking)\b",
        # Where the goods are an app, a game or a course, the app itself is the product.
        r"闪退|卡顿|卡死|黑屏|白屏|花屏|加载不出|转圈|打不开|崩溃|掉线|画质|字幕|音画不同步|课程内容",
        r"\b(app|crash\w*|freez\w*|buffer\w*|won'?t (load|open|play)|glitch\w*|lag\w*|black screen|"
        r"subtitles?|video quality|keeps loading)\b",
    ),
    "service": _any(
        r"客服|态度|不理|回复|答复|服务|推诿|踢皮球|挂电话|机器人|没人管|退款|退钱|售后",
        r"\b(service|agent|support|staff|rude|repl\w*|respond\w*|ignor\w*|attitude|hung up|nobody answers|"
        r"no one answers|customer care|hung up|refund\w*)\b",
    ),
    # Billing and personal data: what the handbook files under "other".
    "other": _any(
        r"扣款|扣费|扣钱|扣了|乱扣|多扣|重复扣|充值|金币|余额|账单|发票|自动续费|续费|价格|差价|隐私|泄露|个人信息|骚扰电话",
        r"\b(charged?|charges|charging|billing|billed|deduct\w*|coins?|balance|invoice|auto-?renew\w*|renewal|"
        r"price|overcharged|privacy|personal (data|information|info)|data leak|spam calls?)\b",
    ),
}


# Cues that name the category outright, checked before counting words: a wrong item is a
# fulfilment (logistics) failure even when the message names two teas.
CATEGORY_CUES = (
    ("logistics", _any(r"发错|发成|\bwrong item\b|\bsent (me )?the wrong\b")),
    # Goods gone bad or fake are the product's fault, whatever the customer then demands.
    ("product", _any(r"发霉|长霉|霉味|过期|变质|馊了|假货|山寨",
                     r"\b(mou?ldy|mou?ld|expired|spoiled|rotten|fake|counterfeit)\b")),
    # A refund that is late is a service failure; a refund asked for is only the demand.
    ("service", _any(r"退款.{0,6}(拖|慢|还没|没到|没退|不到|迟迟|几天|两周|一周)|(拖|迟迟).{0,6}(退款|退钱)",
                     r"\brefund\w*\b.{0,30}\b(still|not|hasn't|never|delayed|late|pending|waiting)\b")),
)


@dataclass(frozen=True)
class Complaint:
    category: str
    severity: str  # ordinary | major
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Reading:
    """Every lexicon's verdict on one message, read once: the intent model's features, its
    category cue and its reasons for major all come from here."""

    human_words: bool
    hours_words: bool
    wants_person: bool
    complaint_words: bool
    reasons: tuple[str, ...]  # the handbook's reasons for major (major_reasons)
    category_hits: dict[str, int]  # words per category
    cues: tuple[str, ...]  # categories whose cue names them outright, in CATEGORY_CUES order

    @property
    def complains(self) -> bool:
        return self.complaint_words or "safety" in self.reasons or "media or regulator" in self.reasons

    @property
    def category(self) -> str:
        if self.cues:
            return self.cues[0]
        best = max(self.category_hits, key=self.category_hits.get)
        if self.category_hits[best]:
            return best
        # Harm with nothing said of delivery, staff or billing came from the goods themselves.
        return "product" if "safety" in self.reasons else "other"


_EXPLICIT_PERSON = re.compile(r"转人工|人工客服|真人|\bhuman\b|real person", re.IGNORECASE)


def read(text: str) -> Reading:
    human, hours = bool(HUMAN.search(text)), bool(HUMAN_BUT_HOURS.search(text))
    return Reading(
        human_words=human, hours_words=hours,
        wants_person=human and (bool(_EXPLICIT_PERSON.search(text)) or not hours),
        complaint_words=bool(COMPLAINT.search(text)),
        reasons=major_reasons(text),
        category_hits={name: len(p.findall(text)) for name, p in CATEGORY_WORDS.items()},
        cues=tuple(name for name, cue in CATEGORY_CUES if cue.search(text)),
    )


def wants_person(text: str) -> bool:
    if not HUMAN.search(text):
        return False
    return bool(_EXPLICIT_PERSON.search(text)) or not HUMAN_BUT_HOURS.search(text)


def _largest_amount(text: str) -> float:
    best = 0.0
    for match in _AMOUNT.finditer(text):
        raw = (match.group(1) or match.group(3) or "0").replace(",", "")
        thousands = bool(match.group(2) or match.group(4))
        dollars = re.search(r"\$|bucks|dollars|usd", match.group(0), re.IGNORECASE)
        try:
            best = max(best, float(raw) * (1000 if thousands else 1) * (DOLLAR_IN_YUAN if dollars else 1))
        except ValueError:
            continue
    return best


def major_reasons(text: str) -> tuple[str, ...]:
    """What makes a complaint major by the handbook: safety, media or regulator, many
    customers, a large sum. Any one of them does."""
    reasons = []
    if SAFETY.search(text):
        reasons.append("safety")
    if AUTHORITY.search(text):
        reasons.append("media or regulator")
    if MANY_CUSTOMERS.search(text):
        reasons.append("many customers")
    if _largest_amount(text) >= LARGE_SUM or _BIG_WORDS.search(text):
        reasons.append("large sum")
    return tuple(reasons)


def complaint(text: str, reading: Reading | None = None) -> Complaint | None:
    """A complaint, its category and its severity; None when the message is no complaint."""
    r = reading or read(text)
    if not r.complains:
        return None
    return Complaint(r.category, "major" if r.reasons else "ordinary", r.reasons)
