"""The demo shop's canned replies, in both languages the gateway serves; written on a first
start, then the shop's supervisors own them."""
from handoff.canned_replies import CannedReplyFields as R

DEMO = [
    R("greet", "问候", "您好，我是客服{agent_name}，很高兴为您服务，请问有什么可以帮您？", "zh"),
    R("wait", "久等致歉", "让您久等了（约{customer_wait}分钟），非常抱歉，我这就为您处理。", "zh"),
    # The same promise as the knowledge base's refund entry: two answers must not disagree.
    R("refund", "退款时效", "我们收到退回的商品后1-3个工作日内原路退款；银行卡到账可能再晚几天。", "zh"),
    R("check", "核实中", "我正在为您核实，请稍等一两分钟。", "zh"),
    R("bye", "结束语", "感谢您的耐心，还有其他可以帮您的吗？祝您生活愉快！", "zh"),
    R("greet", "Greeting", "Hello, this is {agent_name} from customer service. How can I help you?", "en"),
    R("wait", "Sorry for the wait", "Sorry you had to wait about {customer_wait} minutes. I'm on it now.", "en"),
    R("refund", "Refund timing", "Refunds go back to your original payment method within 1-3 business days "
                                "after we receive your return; a bank card may take a few more days.", "en"),
    R("check", "Checking", "I'm checking this for you now; it will take a minute or two.", "en"),
    R("bye", "Closing", "Thank you for your patience. Is there anything else I can help with?", "en"),
]
