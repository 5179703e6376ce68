"""English: every text the gateway writes to a customer. Same keys as zh.py."""

TEXTS = {
    # The bot's own words around the knowledge base's answers.
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
    # Waiting for a person.
    "queued": "You are number {position} in the queue for a person.",
    "queued_nobody_online": "You are number {position} in the queue for a person. No one from our team is "
                            "online right now, so we can't tell you how long it will be; our supervisors have "
                            "been told, and a person will answer here as soon as one is free.",
    "out_of_hours": "Our team is offline now and back on {opens_at}. Please leave your details here "
                    "(order number, what happened, photos): the conversation keeps its place, number "
                    "{position} in the queue, and a person will answer when we open.",
    "opening_time": "{weekday} {day} {month} at {time} ({zone} time)",
    "weekdays": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "months": "January February March April May June July August September October November December",
    # After a person resolved the conversation.
    "csat_request": "How did we do? Please rate this conversation from 1 to 5.",
    # Telegram commands and buttons.
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
}
