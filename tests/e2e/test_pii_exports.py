"""What leaves the gateway for staff who are not entitled to a customer's personal data has it
masked at the door, while the stored records keep what was said: the editors' unanswered
questions and the audit log, over real HTTP after real conversations."""
import json

from tests.e2e.test_kb_editor_api import unanswered_by_the_bot
from tests.e2e.test_quality_audit_api import call, handled_conversation, login

PHONE, EMAIL = "13812345678", "li.wei@example.com"


async def test_editors_read_unanswered_questions_without_the_customers_contacts(server):
    asked = f"Do you have a parking lot for bicycles? Text me at {PHONE} or {EMAIL}"
    await unanswered_by_the_bot(server, asked)
    eve = await login(server, "eve", "editor")
    status, body = await call(server, eve, "GET", "/api/kb/unanswered")
    assert status == 200 and body["questions"] == 1
    text = json.dumps(body, ensure_ascii=False)
    assert PHONE not in text and EMAIL not in text
    [group] = body["groups"]
    masked = "Do you have a parking lot for bicycles? Text me at 138****5678 or l***@example.com"
    assert group["question"] == masked and group["phrasings"] == [masked]
    assert [q["text"] for q in group["questions"]] == [masked]

    sue = await login(server, "sue", "supervisor")  # the customer's message itself is unchanged
    status, context = await call(server, sue, "GET", f"/api/conversations/{group['questions'][0]['conversation_id']}")
    assert any(m["text"] == asked for m in context["transcript"])


async def test_the_audit_log_masks_a_root_cause_that_quotes_the_customer(server):
    ann = await login(server, "ann", "agent")
    sue = await login(server, "sue", "supervisor")
    cid = await handled_conversation(server, ann, brush_off=False)
    status, complaint = await call(server, ann, "POST", "/api/complaints",
                                   {"conversation_id": cid, "category": "logistics", "severity": "ordinary"})
    assert status == 201, complaint
    cause = f"courier called {PHONE} but the customer had moved; card 6212261102001236 refunded"
    status, closed = await call(server, sue, "POST", f"/api/complaints/{complaint['id']}",
                                {"status": "closed", "root_cause": cause})
    assert status == 200 and closed["root_cause"] == cause  # stored as written

    status, log = await call(server, sue, "GET", "/api/audit?type=complaint")
    closing = next(e for e in log["entries"] if e["action"] == "closed")
    expected = "courier called 138****5678 but the customer had moved; card 621*********1236 refunded"
    assert closing["after"]["root_cause"] == expected and expected in closing["summary"]
    text = json.dumps(log, ensure_ascii=False)
    assert PHONE not in text and "6212261102001236" not in text
