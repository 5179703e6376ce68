"""Telegram through aiogram 3: the same conversations, bot and hand-off as the web chat.

`channel.py` wires it; `handlers.py` is the aiogram Router; `updates.py` stores each update
before Telegram is told it arrived; `output.py` sends; `polling.py` and `webhook.py` are the
two ways updates come in.
"""
