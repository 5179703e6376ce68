"""The reply guard on hand-written agent replies, in both languages."""
import pytest

from handoff.reply_guard import GuardHit, check_reply


def kinds(text, customer_data=()):
    return [hit.kind for hit in check_reply(text, customer_data)]


def excerpts(text, customer_data=()):
    return [hit.excerpt for hit in check_reply(text, customer_data)]


@pytest.mark.parametrize("text", [
    "您好，您的订单已经发货，预计明天送达。",
    "We're sorry for the delay. I've issued a full refund; it should reach your card in 3-5 days.",
    "这款普洱建议用滚水冲泡，水滚开的水静置十秒再注入盖碗。",
    "拆箱的时候请小心，紫砂壶比较易碎。",
    "您的订单号是 2024051700001234，请在页面中查看物流。",
    "你等着收货就行，快递明天到。",
    "Don't worry, we'll deal with it today.",
    "我们的茶园没有病虫害问题，请放心。",
])
def test_ordinary_service_language_is_clean(text):
    assert check_reply(text) == []


@pytest.mark.parametrize("text, excerpt", [
    ("你是不是傻？说明书上写着呢", "傻"),
    ("这么简单都不会，白痴吗", "白痴"),
    ("你有病吧", "有病"),
    ("滚！", "滚"),
    ("你懂不懂什么叫预售", "你懂不懂"),
    ("That's a stupid question.", "stupid"),
    ("Are you an idiot?", "idiot"),
    ("Just shut up and wait.", "shut up"),
])
def test_insults_in_both_languages(text, excerpt):
    hits = check_reply(text)
    assert [(h.kind, h.excerpt) for h in hits] == [("insult", excerpt)]
    assert hits[0].message.endswith(".")


@pytest.mark.parametrize("text, excerpt", [
    ("你等着！", "你等着"),
    ("你给我小心点", "你给我小心点"),
    ("再闹后果自负", "后果自负"),
    ("你去投诉也没用", "投诉也没用"),
    ("Keep this up and we'll sue you.", "sue you"),
    ("You'll regret this.", "You'll regret"),
    ("We know where you live.", "We know where you live"),
])
def test_threats_in_both_languages(text, excerpt):
    assert [(h.kind, h.excerpt) for h in check_reply(text)] == [("threat", excerpt)]


@pytest.mark.parametrize("text", [
    "不知道。",
    "我不清楚",
    "这个不归我管",
    "这不归我们管，找别人去",
    "不关我的事",
    "这不是我负责的",
    "你自己看订单页面",
    "没办法，系统就这样",
    "爱买不买",
    "你问别人吧",
    "That's not my department.",
    "Not my problem.",
    "I don't know.",
    "No idea, sorry.",
    "I can't help you.",
    "Deal with it.",
    "Figure it out yourself.",
])
def test_brush_offs_in_both_languages(text):
    assert set(kinds(text)) == {"brush_off"}


@pytest.mark.parametrize("text", [
    "我不知道您是否收到了短信，我再发一次。",
    "不知道您是否方便提供一下订单号？",
    "我不清楚仓库的具体位置，我帮您问一下同事，稍后回复您。",
    "没办法直接修改地址，不过我马上帮您联系快递拦截。",
    "I don't know yet, let me check with the warehouse and get back to you within the hour.",
    "No idea at the moment, but I'll find out and message you today.",
    "I can't help you with that myself, so I'm going to transfer you to billing.",
])
def test_not_knowing_followed_by_help_is_not_a_brush_off(text):
    assert check_reply(text) == []


def test_a_helpful_word_before_the_brush_off_does_not_excuse_it():
    assert kinds("我帮您查过了，不知道。") == ["brush_off"]


def test_another_persons_phone_is_masked():
    hits = check_reply("张先生的电话是13812345678，您可以联系他。")
    assert hits == [GuardHit("foreign_personal_data", "138****5678", hits[0].message)]
    assert "phone number" in hits[0].message


def test_phones_with_spaces_dashes_and_country_code():
    assert excerpts("call 138 1234 5678 or 139-8765-4321 or +86 137 0000 1111") == [
        "138****5678", "139****4321", "137****1111"]


def test_two_phones_side_by_side_are_two_numbers():
    assert excerpts("13812345678 13987654321") == ["138****5678", "139****4321"]


def test_the_customers_own_phone_and_email_are_fine():
    own = ["+86 138-1234-5678", "Li.Wei@Example.com"]
    assert check_reply("已发送到 13812345678 和 li.wei@example.com，请查收。", own) == []
    assert excerpts("已发送到 13912345678 和 wang@example.com", own) == ["139****5678", "w***@example.com"]


def test_own_data_given_as_a_single_string_still_counts():
    assert check_reply("We'll text 13812345678.", "13812345678") == []


def test_valid_id_card_numbers_are_flagged_and_masked():
    assert excerpts("身份证号 440304199001011233") == ["440***********1233"]
    assert excerpts("ID 11010519491231002X") == ["110***********002X"]
    assert excerpts("ID 11010519491231002x") == ["110***********002X"]


def test_an_eighteen_digit_number_with_a_wrong_checksum_is_not_an_id():
    assert check_reply("订单号 440304199001011234") == []


def test_luhn_valid_bank_cards_are_flagged_and_masked():
    assert excerpts("卡号 6212261102001236") == ["621*********1236"]
    assert excerpts("card 6222 0202 0000 1234 562") == ["622************4562"]
    assert "bank card" in check_reply("6212-2611-0200-1236")[0].message


def test_luhn_invalid_card_and_year_led_order_numbers_are_not_flagged():
    assert check_reply("卡号 6212261102001237") == []
    assert check_reply("订单 2024051700001234") == []  # Luhn-valid, but no card network starts with 2


def test_email_masking_and_case_insensitive_ownership():
    assert excerpts("Contact Zhang.San@Shop.cn") == ["Z***@Shop.cn"]
    assert check_reply("Contact Zhang.San@Shop.cn", ["zhang.san@shop.cn"]) == []


def test_a_phone_inside_an_email_is_judged_as_the_email():
    assert excerpts("请发邮件到 13812345678@qq.com") == ["1***@qq.com"]
    assert check_reply("请发邮件到 13812345678@qq.com", ["13812345678@QQ.com"]) == []


def test_codes_glued_to_letters_are_not_personal_data():
    assert check_reply("SKU13812345678 and A6212261102001236") == []


def test_hits_come_in_order_of_appearance():
    text = "不关我的事，你打13912345678问别人去，你是不是傻，a@b.com 后果自负"
    assert kinds(text) == ["brush_off", "foreign_personal_data", "brush_off", "insult",
                           "foreign_personal_data", "threat"]
    assert excerpts(text)[1] == "139****5678"


def test_english_mixed_reply_in_order():
    assert kinds("Shut up. Not my problem. Email bob@example.org, or else!") == [
        "insult", "brush_off", "foreign_personal_data", "threat"]
