"""The decision rules, on hand-made search results (no models needed)."""
import pytest

from bot import intents
from bot.policy import PreviousTurn, Thresholds, decide
from knowledge_base.search import Candidate, SearchResult

T = Thresholds(answer=0.6, clarify=0.3, option=0.15)


def result(*scores, language="en"):
    return SearchResult(language, "hybrid", [Candidate(f"e{i}", f"question {i}", f"answer {i}", s, {})
                                             for i, s in enumerate(scores)])


def test_a_confident_match_is_answered():
    d = decide("how much is shipping", result(0.9, 0.2), T)
    assert d.kind == "answer" and d.entry.id == "e0" and d.reason.startswith("confident")


def test_a_middling_match_offers_the_close_questions():
    d = decide("shipping?", result(0.5, 0.4, 0.2, 0.1), T)
    assert d.kind == "clarify" and [c.id for c in d.options] == ["e0", "e1", "e2"]


def test_nothing_close_hands_off_for_low_confidence():
    d = decide("do you sell bicycles", result(0.2, 0.1), T)
    assert d.kind == "handoff" and d.code == "low_confidence" and d.reason.startswith("low confidence")


def test_an_empty_knowledge_base_hands_off():
    assert decide("hello", SearchResult("en", "hybrid", []), T).kind == "handoff"


@pytest.mark.parametrize("text", ["转人工", "转人公", "我要找你们经理", "人工客服在吗", "can I talk to a real person",
                                  "agent please", "representitive", "别用机器人了，叫个人来", "zhuan ren gong",
                                  "能安排个客服跟我对接下吗", "pls put me through to someone on your staff"])
def test_asking_for_a_person_hands_off_whatever_the_search_says(text):
    d = decide(text, result(0.99), T)
    assert d.kind == "handoff" and d.code == "human_request" and d.reason == "customer asked for a person"


@pytest.mark.parametrize("text", ["客服几点上班？", "when are your agents available"])
def test_asking_about_service_hours_is_not_asking_for_a_person(text):
    assert not intents.wants_person(text)


@pytest.mark.parametrize("text,category,severity", [
    ("快递一个星期了还没到，太差了", "logistics", "ordinary"),
    ("the agent was rude to me, terrible service", "service", "ordinary"),
    ("my child got sick after drinking your tea", "product", "major"),
    ("you charged me ¥5000 twice, scam!", "other", "major"),
    ("很多顾客都收到了发霉的茶，我要找媒体曝光", "product", "major"),
    # The handbook's reasons for major, in the words customers use for them.
    ("一千三百多的海鲜礼盒就这么丢了，太过分了", "logistics", "major"),
    ("my $340 roof box never arrived, unacceptable", "logistics", "major"),
    ("the kettle gave me an electric shock, this is unacceptable", "product", "major"),
    ("我们小区几十户今天都没收到货，太差了", "logistics", "major"),
    ("the app keeps crashing on launch, useless", "product", "ordinary"),
    ("你们乱扣我的自动续费，太离谱了", "other", "ordinary"),
])
def test_complaints_are_handed_off_with_category_and_severity(text, category, severity):
    d = decide(text, result(0.99), T)
    assert d.kind == "handoff" and d.complaint.category == category and d.complaint.severity == severity


def test_a_damaged_parcel_question_without_anger_is_no_complaint():
    assert intents.complaint("one of the cups was broken when I opened the box, what now?") is None


def test_not_helpful_hands_off_and_helpful_thanks():
    assert decide("没有帮助", result(0.9), T).reason == "customer said the answer was not helpful"
    helpful = decide("Helpful", result(0.9), T)
    assert helpful.kind == "answer" and helpful.entry is None


def test_asking_again_for_the_same_answer_twice_hands_off():
    first = decide("shipping cost", result(0.9), T)
    second = decide("shipping cost??", result(0.9), T, PreviousTurn("answer", "e0", first.unhelpful_streak))
    assert second.kind == "answer" and second.unhelpful_streak == 1
    third = decide("SHIPPING COST", result(0.9), T, PreviousTurn("answer", "e0", second.unhelpful_streak))
    assert third.kind == "handoff" and third.reason == "two unhelpful answers in a row"


def test_a_new_question_resets_the_streak():
    d = decide("refunds", result(0.9), T, PreviousTurn("answer", "other-entry", 1))
    assert d.kind == "answer" and d.unhelpful_streak == 0


def test_two_clarifications_in_a_row_hand_off():
    first = decide("hmm", result(0.5, 0.4), T)
    second = decide("hmm?", result(0.5, 0.4), T, PreviousTurn("clarify", None, first.unhelpful_streak))
    assert (first.kind, second.kind) == ("clarify", "handoff")


@pytest.mark.parametrize("details,kind,priority", [
    ({"code": "complaint", "category": "product", "severity": "major"}, "major_complaint", 0),
    ({"code": "complaint", "category": "logistics", "severity": "ordinary"}, "complaint", 1),
    ({"code": "human_request"}, "human_request", 2),
    ({"code": "not_helpful"}, "not_helpful", 2),
    ({"code": "low_confidence"}, "low_confidence", 3),
    ({}, "other", 4),
])
def test_the_queue_priority_follows_the_bots_hand_off_code(details, kind, priority):
    from handoff.policy import classify

    assert (classify(details).kind, classify(details).priority) == (kind, priority)


def test_each_language_decides_on_its_own_thresholds():
    t = Thresholds(answer=0.6, clarify=0.3, option=0.0, languages={"zh": (0.9, 0.5)})
    assert decide("运费", result(0.8, 0.1, language="zh"), t).kind == "clarify"
    assert decide("shipping", result(0.8, 0.1, language="en"), t).kind == "answer"
    assert decide("运费", result(0.4, 0.1, language="zh"), t).code == "low_confidence"


def test_with_no_option_floor_the_top_three_are_offered_however_low_they_score():
    t = Thresholds(answer=0.6, clarify=0.3, option=0.0)
    d = decide("shipping?", result(0.5, 0.01, 0.001, 0.0001), t)
    assert [c.id for c in d.options] == ["e0", "e1", "e2"]


def test_the_intent_models_reading_overrides_the_lexicons():
    from bot.intent_model import Intent

    complaint = Intent("complaint", 0.9, intents.Complaint("product", "major", ("judged major",)))
    d = decide("the charger sparked and burnt my desk", result(0.99), T, intent=complaint)
    assert d.code == "complaint" and (d.complaint.category, d.complaint.severity) == ("product", "major")
    # A line the lexicons would call a complaint ("terrible") is answered when the model reads an FAQ question.
    faq = decide("is the weather terrible for deliveries, how long do they take", result(0.99), T,
                 intent=Intent("faq", 0.8))
    assert faq.kind == "answer"
    assert decide("anyone there", result(0.99), T, intent=Intent("human", 0.7)).code == "human_request"


def test_confusable_entries_are_offered_together_instead_of_guessing():
    from knowledge_base.search import Candidate

    top = Candidate("fee", "How much is shipping?", "¥8", 0.95, {}, frozenset({"free"}))
    runner = Candidate("free", "When is shipping free?", "over ¥99", 0.02, {}, frozenset({"fee"}))
    other = Candidate("tea", "How to store tea?", "dry", 0.01, {})
    d = decide("shipping money?", SearchResult("en", "hybrid", [top, runner, other]), T)
    assert d.kind == "clarify" and [c.id for c in d.options] == ["fee", "free"] and "confused" in d.reason
    # Not when the confusable entry is further down, and not right after a clarify.
    assert decide("shipping money?", SearchResult("en", "hybrid", [top, other, runner]), T).kind == "answer"
    after = decide("shipping money?", SearchResult("en", "hybrid", [top, runner, other]), T,
                   PreviousTurn("clarify", None, 1, ("fee", "free")))
    assert after.kind == "answer"


def test_the_option_a_customer_picks_is_answered_whatever_its_score():
    d = decide("question 2", result(0.25, 0.2, 0.1), T, PreviousTurn("clarify", None, 1, ("e0", "e1", "e2")))
    assert d.kind == "answer" and d.entry.id == "e2" and d.reason == "customer chose it among the options"
    # The same words without a clarify before them are an ordinary question.
    assert decide("question 2", result(0.25, 0.2, 0.1), T).kind == "handoff"
    assert decide("question 2", result(0.5, 0.2, 0.1), T).summary()["options"] == ["e0", "e1"]  # option floor 0.15


def test_an_entrys_own_question_is_answered_even_when_it_has_a_confusable_partner():
    from knowledge_base.search import Candidate

    top = Candidate("fee", "How much is shipping?", "¥8", 0.95, {"e5.q": 0.99}, frozenset({"free"}))
    runner = Candidate("free", "When is shipping free?", "over ¥99", 0.02, {}, frozenset({"fee"}))
    assert decide("How much is shipping", SearchResult("en", "hybrid", [top, runner]), T).kind == "answer"


def test_an_entrys_own_wording_is_answered_whatever_the_confidence():
    from knowledge_base.search import Candidate

    own = Candidate("fee", "How much is shipping?", "¥8", 0.2, {"e5.q": 1.0})
    assert decide("What do you charge for delivery?", SearchResult("en", "hybrid", [own]), T).kind == "answer"
    near = Candidate("fee", "How much is shipping?", "¥8", 0.2, {"e5.q": 0.975})
    assert decide("shipping cost plz", SearchResult("en", "hybrid", [near]), T).kind == "handoff"


@pytest.mark.parametrize("text", ["我要投诉你们客服态度差，转人工", "your rep was rude to me, I want to speak to a manager"])
def test_a_complaint_that_asks_for_a_person_is_registered_as_a_complaint(text):
    d = decide(text, result(0.99), T)
    assert d.code == "complaint" and d.complaint.category == "service"


@pytest.mark.parametrize("text", [
    "I ordered a dozen cupcakes and they were stale, terrible",  # a dozen cakes, not a dozen customers
    "我说了一千遍了 快递太慢 太差了",  # a thousand times, not a thousand yuan
    "你们整个公司都是骗子",
])
def test_words_that_only_look_like_a_major_reason_leave_a_complaint_ordinary(text):
    assert intents.complaint(text).severity == "ordinary"


@pytest.mark.parametrize("text", ["能安排人上门取件吗", "手机充电到80%就充不进去了", "can I swallow the capsule whole?"])
def test_everyday_questions_with_those_words_are_neither_a_person_request_nor_a_complaint(text):
    assert not intents.wants_person(text) and intents.complaint(text) is None
