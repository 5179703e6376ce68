/* The selected conversation's transcript: messages, attachments, delivery trouble, typing. */
var DeskTranscript = (function () {
  "use strict";
  var state = Desk.state, $ = Desk.$, el = Staff.el;
  var typingTimer = null;

  // This conversation and the customer's earlier ones, each behind a divider.
  function render(pkg) {
    var box = $("transcript");
    Staff.clear(box);
    state.seen = {};
    var previous = null;
    (pkg.transcript || []).forEach(function (m) {
      if (m.conversation_id !== previous) {
        var other = m.conversation_id !== pkg.id;
        var which = { id: Desk.shortId(m.conversation_id), channel: m.channel || pkg.channel };
        box.appendChild(el("div", "divider", other ? t("console.transcript.earlier", which)
                                                   : t("console.transcript.this", which)));
        previous = m.conversation_id;
      }
      append(m, true);
    });
    box.scrollTop = box.scrollHeight;
  }

  // Each message once, whether it came with the context package or live.
  function append(m, bulk) {
    if (state.seen[m.id]) return;
    var box = $("transcript");
    var item = el("div", "msg");
    item.setAttribute("data-sender", m.sender);
    item.setAttribute("data-id", m.id);
    if (state.detail && m.conversation_id && m.conversation_id !== state.detail.id) item.classList.add("other");
    var meta = el("div", "meta");
    meta.appendChild(el("span", "who", I18n.code("console.sender.", m.sender)));
    meta.appendChild(el("span", "when", Desk.timeText(m.created_at)));
    item.appendChild(meta);
    if (m.edit_of !== undefined) {
      meta.appendChild(el("span", "edited", m.edit_of ? t("console.message.edited", { id: m.edit_of })
                                                      : t("console.message.edited_older")));
    }
    if (m.text) item.appendChild(el("div", "text", m.text));
    // The bot's buttons (clarify options, "helpful?"): what the customer was offered to press.
    if (m.quick_replies && m.quick_replies.length) {
      var options = m.quick_replies.join(t("console.list_separator"));
      item.appendChild(el("div", "quick", t("console.quick_replies", { options: options })));
    }
    if (m.masked) {
      item.setAttribute("data-masked", "true");
      item.querySelector(".text").appendChild(revealButton(m, item));
    }
    (m.attachments || []).forEach(function (a) { item.appendChild(attachment(a)); });
    item.appendChild(el("div", "delivery"));
    box.appendChild(item);
    state.seen[m.id] = item;
    if (m.delivery) showDelivery(m.id, m.delivery);
    if (!bulk) box.scrollTop = box.scrollHeight;
  }

  // With GATEWAY_CONSOLE_MASK_PII on, customers' contacts arrive masked; "Show" fetches one
  // message's text, and the gateway records who asked in the audit log.
  function revealButton(m, item) {
    var button = el("button", "reveal", t("console.reveal"));
    button.type = "button";
    button.title = t("console.reveal.title");
    button.addEventListener("click", function () {
      button.disabled = true;
      Staff.api("POST", "/api/conversations/" + encodeURIComponent(state.selected) + "/reveal", { message_id: m.id })
        .then(function (data) {
          item.querySelector(".text").textContent = data.text;
          item.removeAttribute("data-masked");
        }, function (err) {
          button.disabled = false;
          Desk.showError(t("console.reveal.failed", { message: err.message }));
        });
    });
    return button;
  }

  function attachment(a) {
    var parts = [I18n.code("console.attachment.", a.kind)];
    if (a.name) parts.push(a.name);
    if (a.mime_type) parts.push(a.mime_type);
    if (a.size) {
      parts.push(a.size >= 1048576 ? (a.size / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(a.size / 1024)) + " KB");
    }
    var line = el("div", "attachment", parts.join(" \u00b7 "));
    line.setAttribute("data-kind", a.kind);
    return line;
  }

  // A reply that has not reached the customer says so on the message itself. False when the
  // message is not on screen.
  function showDelivery(messageId, d) {
    var item = state.seen[messageId], line = item && item.querySelector(".delivery");
    if (!line) return false;
    item.setAttribute("data-delivery", d.status);
    if (d.status === "sending") { line.textContent = ""; return true; }  // under way, not a problem yet
    if (d.status === "sent") {
      var tries = { count: d.attempts };
      line.textContent = !d.attempts ? "" : d.attempts === 1 ? t("console.delivery.after_one", tries)
                                                             : t("console.delivery.after_many", tries);
      return true;
    }
    var why = { error: d.error || t("console.delivery.refused") };
    line.textContent = d.status === "failed" ? t("console.delivery.failed", why) : t("console.delivery.retrying", why);
    return true;
  }

  function showTyping() {
    $("typing").textContent = t("console.typing");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 4000);
  }

  function hideTyping() { clearTimeout(typingTimer); $("typing").textContent = ""; }

  return { render: render, append: append, showDelivery: showDelivery, showTyping: showTyping, hideTyping: hideTyping };
})();
