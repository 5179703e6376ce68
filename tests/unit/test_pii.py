"""Finding and masking customer personal data in Chinese and English text, and leaving the
shop's own numbers (orders, prices, dates, parcels, hotlines) alone."""
import pytest

from gateway.privacy import pii


def kinds(text):
    return [f.kind for f in pii.find(text)]


@pytest.mark.parametrize("text, masked", [
    ("我的手机是13812345678，谢谢", "我的手机是138****5678，谢谢"),
    ("手机 138 1234 5678", "手机 138****5678"),
    ("call me on 139-8765-4321 please", "call me on 139****4321 please"),
    ("+86 137 0000 1111", "+86 137****1111"),
    ("+8613912345678", "+86139****5678"),
    ("13812345678 13987654321", "138****5678 139****4321"),
])
def test_mobile_numbers_in_every_common_spelling(text, masked):
    assert pii.mask(text) == masked
    assert set(kinds(text)) == {pii.PHONE}


@pytest.mark.parametrize("text, masked", [
    ("座机 010-62345678", "座机 010****5678"),
    ("office (0755) 8601 3388", "office 075*****3388"),
    ("请打 0571 88886666 转 123", "请打 057*****6666 转 123"),
])
def test_landlines_with_a_separated_area_code(text, masked):
    assert pii.mask(text) == masked
    assert kinds(text) == [pii.LANDLINE]


def test_id_card_numbers_with_a_valid_check_character():
    assert pii.mask("身份证号 440304199001011233") == "身份证号 440***********1233"
    assert pii.mask("ID 11010519491231002x.") == "ID 110***********002X."
    assert kinds("11010519491231002X") == [pii.ID_CARD]


def test_bank_cards_that_pass_luhn_with_or_without_separators():
    assert pii.mask("卡号 6212261102001236") == "卡号 621*********1236"
    assert pii.mask("card 6222 0202 0000 1234 562") == "card 622************4562"
    assert pii.mask("Visa 4111-1111-1111-1111") == "Visa 411*********1111"
    assert kinds("4111 1111 1111 1111") == [pii.BANK_CARD]


def test_emails_keep_their_first_character_and_domain():
    assert pii.mask("邮箱 li.wei@example.com") == "邮箱 l***@example.com"
    assert pii.mask("Mail Zhang.San@Shop.cn today") == "Mail Z***@Shop.cn today"
    assert pii.mask("请发到 13812345678@qq.com") == "请发到 1***@qq.com"  # the digits belong to the address


def test_everything_in_one_message_in_order():
    text = "手机13812345678，邮箱 a@b.com，身份证 11010519491231002X，卡 6212261102001236，座机 010-62345678"
    assert kinds(text) == [pii.PHONE, pii.EMAIL, pii.ID_CARD, pii.BANK_CARD, pii.LANDLINE]
    masked = pii.mask(text)
    for secret in ("13812345678", "a@b.com", "11010519491231002X", "6212261102001236", "62345678"):
        assert secret not in masked
    assert pii.find(masked) == []


@pytest.mark.parametrize("text", [
    "您的订单 20261122-WEB-0001 已登记",
    "complaint 20261122-WEB-0001 is registered",
    "订单号 202611220001，金额 ¥1,280.00",
    "Order 202611220001 cost $1280.00 on 2026-11-22 13:45",
    "下单时间 2026-11-22 08:30，预计 11月25日 送达",
    "运单号 4300123456789（中通）",  # starts like a card, fails Luhn
    "tracking 773012345678901",
    "订单 2024051700001234",  # passes Luhn, but no card network starts with 2
    "身份证号填错了：440304199001011234",  # 18 digits, wrong check character
    "客服热线 400-820-8820，或拨打 95588、10086、12315",
    "Call our hotline 400 820 8820 or 800-810-1234",
    "SKU13812345678 and A6212261102001236 and SF1234567890123",
    "一斤 138 元，两斤 250 元，库存 12345678 件",
    "",
])
def test_the_shops_own_numbers_and_ordinary_text_stay(text):
    assert pii.find(text) == []
    assert pii.mask(text) == text


def test_not_text_passes_through():
    assert pii.mask(None) is None
    assert pii.mask(12345) == 12345
    assert pii.find(None) == []


def test_found_items_know_their_span_label_and_mask():
    [item] = pii.find("tel: 138-1234-5678!")
    assert ("tel: 138-1234-5678!"[item.start:item.end], item.value, item.masked, item.label) == (
        "138-1234-5678", "13812345678", "138****5678", "phone number")


def test_normalise_compares_spellings_of_one_value():
    assert pii.normalise("+86 138-1234-5678") == pii.normalise("13812345678") == "13812345678"
    assert pii.normalise(" Li.Wei@Example.com ") == "li.wei@example.com"
    assert pii.normalise("11010519491231002x") == "11010519491231002X"
