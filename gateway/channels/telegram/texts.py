"""What the Telegram side says on its own, outside the bot's answers."""
from __future__ import annotations

from knowledge_base.entry import language_of_locale

TEXTS = {
    "en": {
        "start": "Hello! I'm the shop's assistant. Ask me about shipping, returns, refunds or delivery "
                 "times. Write \"agent\" at any time to talk to a person.",
        "help": "Ask your question in a message, in English or Chinese. I answer from the shop's help "
                "pages; if I can't, or if you write \"agent\", a person takes over. You can send photos "
                "and files too: they are kept for the agent.",
        "rated": "Thank you for your rating!",
        "rated_already": "This conversation has been rated already.",
        "expired": "That button no longer applies.",
        "unsupported": "Sorry, I can't read this kind of message. Please write your question, "
                       "or send a photo or a file.",
    },
    "zh": {
        "start": "您好！我是本店的智能客服，可以回答运费、退换货、退款、配送时效等问题。"
                 "随时发送“转人工”即可联系人工客服。",
        "help": "请直接发送您的问题（中文或英文）。我会根据店铺帮助文档回答；无法回答或您发送“转人工”时，"
                "将由人工客服接手。您也可以发送图片和文件，客服可以看到。",
        "rated": "感谢您的评价！",
        "rated_already": "本次会话已经评价过了。",
        "expired": "该按钮已失效。",
        "unsupported": "抱歉，暂时无法识别这类消息。请用文字描述您的问题，或发送图片、文件。",
    },
}


def text(language_code: str | None, key: str) -> str:
    return TEXTS[language_of_locale(language_code)][key]
