from gateway.channels.text_parts import split_text, utf16_length


def test_a_short_text_is_one_part():
    assert split_text("hello", 4096) == ["hello"]


def test_parts_break_at_paragraphs_then_sentences_and_lose_nothing_but_the_break():
    text = "First paragraph here.\n\nSecond one is a little longer. It has two sentences."
    parts = split_text(text, 40)
    assert parts[0] == "First paragraph here."
    assert all(utf16_length(p) <= 40 for p in parts)
    assert " ".join(parts).replace("  ", " ") == text.replace("\n\n", " ")


def test_chinese_breaks_after_a_full_stop():
    text = "这是第一句话。" * 3 + "这是很长的第二部分内容"
    parts = split_text(text, 25)
    assert parts[0].endswith("。") and "".join(parts) == text


def test_emoji_count_as_two_units_as_telegram_counts_them():
    text = "😀" * 3000  # 6,000 UTF-16 units
    parts = split_text(text, 4096)
    assert [utf16_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


def test_a_text_without_any_break_is_cut_hard():
    parts = split_text("x" * 9000, 4096)
    assert [len(p) for p in parts] == [4096, 4096, 808]
