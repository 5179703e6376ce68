"""Everything the bot says to a customer, per language, in one place."""
from __future__ import annotations

TEXTS = {
    "en": {
        "helpful": "Helpful",
        "not_helpful": "Not helpful",
        "talk_to_person": "Talk to a person",
        "clarify": "I'm not sure I understood. Did you mean one of these?",
        "handoff": "I'll connect you with a person who can help.",
        "handoff_complaint": "I'm sorry about this. I'm passing your case to a person right away.",
        "handoff_low_confidence": "I don't have a good answer to that. Let me find a person to help you.",
        "thanks": "Glad I could help! Anything else?",
        "file_received": "Thank you, I have kept your file with this conversation. I can only read text: "
                         "please tell me in words what it is about, or ask for a person to look at it.",
    },
    "zh": {
        "helpful": "有帮助",
        "not_helpful": "没有帮助",
        "talk_to_person": "转人工",
        "clarify": "我不太确定您的意思，您是想问以下哪个问题？",
        "handoff": "正在为您转接人工客服，请稍候。",
        "handoff_complaint": "非常抱歉给您带来不好的体验，已立即为您转接人工客服处理。",
        "handoff_low_confidence": "这个问题我暂时无法准确回答，正在为您转接人工客服。",
        "thanks": "很高兴能帮到您！还有其他问题吗？",
        "file_received": "谢谢，您发送的文件已保存在本次会话中。我只能读懂文字：请用文字描述您的问题，"
                         "或转人工由客服查看。",
    },
}


def text(language: str, key: str) -> str:
    return TEXTS.get(language, TEXTS["en"])[key]


def is_label(message: str, key: str) -> bool:
    """Whether a message is one of our own quick-reply labels, in either language."""
    cleaned = message.strip().lower()
    return any(cleaned == t[key].lower() for t in TEXTS.values())
