/* The agent console at /console. `io` is the Socket.IO client bundled ahead of this file by the server.
 * The session lives in the HttpOnly `cs_session` cookie set by /api/auth/login: this page never
 * sees the token, the browser sends the cookie with every request and with the /agent handshake.
 * Customer text only ever reaches the page through textContent, never innerHTML. */
// Ready-made replies, in both languages: the customer's language is not the agent's.
var CANNED = [
  "您好，我是客服，请问有什么可以帮您？",
  "Sorry for the wait, I'm looking into it now.",
  "Thank you for your patience.",
  "请稍等，我马上为您查询。"
];
// Built when asked, so they follow the language chosen after login.
function senderLabel(sender) {
  return { customer: t("console.sender.customer"), bot: t("console.sender.bot"), agent: t("console.sender.agent"),
           system: t("console.sender.system") }[sender] || sender;
}
function statusLabel(status) {
  return { bot: t("console.status.bot"), queued: t("console.status.queued"), assigned: t("console.status.assigned"),
           resolved: t("console.status.resolved") }[status] || status;
}
function kindLabel(kind) {
  return { major_complaint: t("console.kind.major_complaint"), complaint: t("console.kind.complaint"),
           human_request: t("console.kind.human_request"), not_helpful: t("console.kind.not_helpful"),
           unhelpful: t("console.kind.unhelpful"), low_confidence: t("console.kind.low_confidence"),
           other: t("console.kind.other") }[kind] || kind;
}
function decisionLabel(decision) {
  return { answer: t("console.decision.answer"), clarify: t("console.decision.clarify"),
           handoff: t("console.decision.handoff") }[decision] || decision || "?";
}
function categoryLabel(code) { return I18n.code("complaint.category.", code); }
function severityLabel(code) { return I18n.code("complaint.severity.", code); }
function clockLabel(code) { return I18n.code("complaint.clock.", code); }
function complaintStatusLabel(code) { return I18n.code("complaint.status.", code); }
// The bot writes severity reasons as words ("media or regulator"); their keys spell them with "_".
function severityReasonLabel(reason) {
  var slug = String(reason).replace(/ /g, "_"), text = I18n.code("console.severity_reason.", slug);
  return text === slug ? reason : text;
}
function demandLabel(code) {
  return { refund: t("console.demand.refund"), exchange: t("console.demand.exchange"),
           apology: t("console.demand.apology"), other: t("console.demand.other") }[code] || code;
}
var SUPERVISING = { supervisor: true, admin: true };
var TYPING_EVERY_MS = 2000;

var state = {
  me: null,            // {username, role}
  lists: { queue: { rows: [], at: 0 }, mine: { rows: [], at: 0 }, open: { rows: [], at: 0 } },
  selected: null,      // conversation id
  detail: null,        // its context package
  detailAt: 0,
  loadSeq: 0,
  seen: {},            // message id -> element, for the selected conversation
  unread: {},          // conversation id -> true
  pendingReply: null,  // {conversation_id, text} awaiting "Send anyway"
  typingSentAt: 0,
  typingTimer: null,
  flashTimer: null,
  refreshTimer: null
};
var socket = null;

// -- small helpers ----------------------------------------------------------------------
function $(id) { return document.getElementById(id); }

function el(tag, className, text) {
  var node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function isSupervisor() { return !!(state.me && SUPERVISING[state.me.role]); }

function parseTime(iso) {
  if (!iso) return null;
  // A timestamp without a zone is UTC on the server.
  var t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z");
  return isNaN(t) ? null : t;
}

function timeText(iso) {
  var t = parseTime(iso);
  if (t === null) return "";
  var d = new Date(t), now = new Date();
  var hm = d.toLocaleTimeString(I18n.language(), { hour: "2-digit", minute: "2-digit" });
  return d.toDateString() === now.toDateString() ? hm : d.toLocaleDateString(I18n.language()) + " " + hm;
}

function duration(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  return h ? h + ":" + mm : mm;
}

function shortId(id) { return String(id || "").slice(0, 8); }

function flash(text, kind) {
  var box = $("flash");
  box.textContent = text;
  box.setAttribute("data-kind", kind || "info");
  clearTimeout(state.flashTimer);
  state.flashTimer = setTimeout(function () { box.textContent = ""; }, 8000);
}

function showError(text) { $("action-error").textContent = text || ""; }

function errorText(ack, fallback) {
  if (ack && ack.error) return ack.error.message || ack.error.code;
  return fallback || t("console.error.no_answer");
}

// -- REST -------------------------------------------------------------------------------
// Writes must echo the session's CSRF token, which only our own pages can read.
function csrfToken() {
  var match = document.cookie.match(/(?:^|;\s*)cs_csrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function api(method, path, body) {
  var init = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
  if (method !== "GET") init.headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(path, init).then(function (response) {
    return response.json().catch(function () { return {}; }).then(function (data) {
      if (response.ok) return data;
      var error = new Error((data.error && data.error.message) || response.statusText);
      error.status = response.status;
      error.code = data.error && data.error.code;
      if (response.status === 401 && state.me) sessionEnded(t("console.session_ended"));
      throw error;
    });
  });
}

// -- login and logout -------------------------------------------------------------------
function showLogin(message) {
  $("app").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = message || "";
  $("login-password").value = "";
  $("login-username").focus();
}

function sessionEnded(message) {
  if (socket) socket.disconnect();
  resetState();
  showLogin(message);
}

function resetState() {
  state.me = null;
  state.selected = null;
  state.detail = null;
  state.unread = {};
  state.pendingReply = null;
  ["queue", "mine", "open"].forEach(function (name) { state.lists[name] = { rows: [], at: 0 }; });
  renderLists();
  showDetail(null);
}

function start(me) {
  if (!SUPERVISING[me.role] && me.role !== "agent") {
    showLogin(t("console.role_refused", { role: me.role }));
    return;
  }
  state.me = me;
  I18n.page(me.language);
  I18n.choices($("language"), me.language);
  renderLists();
  $("login-view").hidden = true;
  $("app").hidden = false;
  $("me-name").textContent = me.username;
  $("me-role").textContent = I18n.code("staff.role.", me.role);
  $("open-block").hidden = !isSupervisor();
  connect();
}

$("login-form").addEventListener("submit", function (e) {
  e.preventDefault();
  var button = $("login-submit");
  button.disabled = true;
  $("login-error").textContent = "";
  api("POST", "/api/auth/login", { username: $("login-username").value.trim(), password: $("login-password").value })
    // `me` rather than the login answer: it carries the account's language too.
    .then(function () { $("login-password").value = ""; return api("GET", "/api/auth/me"); })
    .then(start,
          function (err) { $("login-error").textContent = err.status === 401 ? t("staff.login.wrong") : err.message; })
    .then(function () { button.disabled = false; });
});

$("logout").addEventListener("click", function () {
  api("POST", "/api/auth/logout").catch(function () {}).then(function () { sessionEnded(""); });
});
$("logout-everywhere").addEventListener("click", function () {
  api("POST", "/api/auth/logout", { everywhere: true }).catch(function () {}).then(function () { sessionEnded(""); });
});

// The agent's language follows them to every device: stored with the account, then the page
// reloads so every word on it, live or not, is drawn again in the new language.
$("language").addEventListener("change", function () {
  api("PUT", "/api/auth/me/language", { language: $("language").value })
    .then(function () { location.reload(); }, function (err) { flash(err.message, "error"); });
});

// -- the live channel -------------------------------------------------------------------
function setConnection(text, online) {
  var badge = $("connection");
  badge.textContent = text;
  badge.setAttribute("data-state", online ? "online" : "offline");
}

function connect() {
  if (!socket) {
    // Same origin: the browser sends the session cookie with the handshake.
    socket = io("/agent", { transports: ["websocket", "polling"], withCredentials: true, autoConnect: false });
    listen(socket);
  }
  if (!socket.connected) socket.connect();
}

function listen(s) {
  s.on("connect", function () {
    setConnection(t("console.connection.live"), true);
    s.timeout(10000).emit("queue", {}, function (err, ack) {
      if (!err && ack && ack.conversations) setList("queue", ack.conversations);
    });
    refreshMine();
    refreshOpen();
    if (state.selected) loadDetail(state.selected);
  });
  s.on("disconnect", function () { setConnection(t("console.connection.reconnecting"), false); });
  // The server closes the feed of a login that was logged out (here or on another device).
  s.on("session_ended", function () { sessionEnded(t("console.session_ended")); });
  s.on("connect_error", function (err) {
    var code = err && err.data && err.data.code;
    if (code === "unauthorized") sessionEnded(t("console.session_ended"));
    else if (code === "forbidden") sessionEnded(t("console.forbidden"));
    else setConnection(t("console.connection.reconnecting"), false);
  });

  s.on("queue", function (data) {
    setList("queue", (data && data.conversations) || []);
    if (isSupervisor()) refreshSoon();
    // Someone else took the conversation on screen out of the queue: show what it is now.
    if (state.detail && state.detail.status === "queued" && !inList("queue", state.selected)) {
      loadDetail(state.selected);
    }
  });
  s.on("conversation_assigned", function (a) {
    refreshMine();
    refreshSoon();
    if (a.agent_name === state.me.username && a.by !== "agent:" + state.me.username) {
      flash(t("console.flash.assigned", { id: shortId(a.conversation_id), by: a.by }), "info");
    }
    if (a.conversation_id === state.selected) loadDetail(state.selected);
  });
  s.on("message", function (m) {
    if (!m || !m.conversation_id) return;
    if (m.conversation_id === state.selected) {
      appendMessage(m);
      if (m.sender === "customer") hideTyping();
    } else if (m.sender === "customer") {
      state.unread[m.conversation_id] = true;
    }
    if (m.sender === "customer") noteCustomerText(m.conversation_id, m.text);
  });
  s.on("delivery", function (d) {
    if (!d || !state.seen[d.message_id]) return;
    showDelivery(state.seen[d.message_id], d);
    if (d.status === "failed") flash(t("console.flash.undelivered", { id: shortId(d.conversation_id) }), "error");
  });
  s.on("typing", function (t) {
    if (t && t.conversation_id === state.selected && t.sender === "customer") showTyping();
  });
  s.on("sla_warning", function (w) {
    flash(t("console.flash.sla_warning", { id: shortId(w.conversation_id), percent: w.percent }), "warn");
  });
  s.on("sla_breach", function (b) {
    var what = b.clock ? t("console.flash.breach_clock", { clock: b.clock }) : t("console.flash.breach_sla");
    var fields = { what: what, id: shortId(b.conversation_id) };
    flash(b.reassigned ? t("console.flash.breach_requeued", fields) : t("console.flash.breach", fields), "error");
    refreshMine();
    refreshSoon();
    if (b.conversation_id === state.selected) loadDetail(state.selected);
  });
}

function call(event, payload, done) {
  if (!socket || !socket.connected) { done(null, { error: { code: "offline", message: t("console.error.offline") } }); return; }
  socket.timeout(15000).emit(event, payload, function (err, ack) { done(err, ack); });
}

// -- the lists on the left --------------------------------------------------------------
function setList(name, rows) {
  state.lists[name] = { rows: rows, at: Date.now() };
  renderList(name);
}

function inList(name, id) { return state.lists[name].rows.some(function (r) { return r.id === id; }); }

function noteCustomerText(id, text) {
  ["queue", "mine", "open"].forEach(function (name) {
    state.lists[name].rows.forEach(function (r) { if (r.id === id) r.last_customer_message = String(text).slice(0, 200); });
  });
  renderLists();
}

function refreshMine() {
  api("GET", "/api/conversations?status=mine").then(function (data) { setList("mine", data.conversations); },
                                                      function () {});
}

function refreshOpen() {
  if (!isSupervisor()) return;
  api("GET", "/api/conversations?status=open").then(function (data) { setList("open", data.conversations); },
                                                      function () {});
}

function refreshSoon() {  // many events arrive together; one request answers them all
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refreshOpen, 300);
}

function renderLists() { ["queue", "mine", "open"].forEach(renderList); }

function renderList(name) {
  var list = state.lists[name], ul = $(name);
  clear(ul);
  $(name + "-count").textContent = String(list.rows.length);
  if (!list.rows.length) {
    ul.appendChild(el("li", "none", name === "queue" ? t("console.queue.none") : t("console.list.none")));
    return;
  }
  list.rows.forEach(function (row) { ul.appendChild(listItem(row, list.at, name)); });
  tickClocks();
}

function listItem(row, at, listName) {
  var h = row.handoff || {};
  var li = el("li", "conv");
  li.setAttribute("data-id", row.id);
  li.setAttribute("data-status", row.status);
  li.setAttribute("tabindex", "0");
  li.csRow = row;
  li.csAt = at;
  if (row.id === state.selected) li.classList.add("selected");
  if (state.unread[row.id]) li.classList.add("unread");

  var top = el("div", "conv-top");
  if (row.position) top.appendChild(el("span", "pos", "#" + row.position));
  top.appendChild(el("span", "chip channel", row.channel));
  if (h.kind) {
    var kind = el("span", "chip kind", kindLabel(h.kind));
    kind.setAttribute("data-kind", h.kind);
    top.appendChild(kind);
  }
  if (h.category) top.appendChild(el("span", "chip category", categoryLabel(h.category)));
  if (h.severity) {
    var sev = el("span", "chip severity", severityLabel(h.severity));
    sev.setAttribute("data-severity", h.severity);
    top.appendChild(sev);
  }
  if (listName !== "queue" && row.status) top.appendChild(el("span", "chip status", statusLabel(row.status)));
  li.appendChild(top);

  li.appendChild(el("div", "conv-text", row.last_customer_message || t("console.list.no_message")));

  var clocks = el("div", "conv-clocks");
  if (row.waiting_seconds !== undefined) clocks.appendChild(el("span", "wait"));
  if (row.sla_seconds_left !== undefined) clocks.appendChild(el("span", "sla"));
  if (row.assignee) clocks.appendChild(el("span", "assignee", "→ " + row.assignee));
  li.appendChild(clocks);

  function open() { select(row.id); }
  li.addEventListener("click", open);
  li.addEventListener("keydown", function (e) { if (e.key === "Enter") open(); });
  return li;
}

function slaState(row, at) {
  var h = row.handoff || {};
  if (row.sla_seconds_left === undefined) return null;
  if (h.first_response_at) return { text: t("console.sla.answered"), cls: "answered", left: null };
  var left = row.sla_seconds_left - (Date.now() - at) / 1000;
  if (left < 0 || h.breached_at) return { text: t("console.sla.breached", { time: duration(-Math.min(left, 0)) }), cls: "breached", left: left };
  return { text: t("console.sla.left", { time: duration(left) }), cls: left < 120 ? "soon" : "ok", left: left };
}

function tickClocks() {
  var items = document.querySelectorAll("li.conv");
  for (var i = 0; i < items.length; i++) {
    var li = items[i], row = li.csRow, at = li.csAt;
    if (!row) continue;
    var elapsed = (Date.now() - at) / 1000;
    var wait = li.querySelector(".wait");
    if (wait) {
      var waited = { time: duration(row.waiting_seconds + elapsed) };
      wait.textContent = row.status === "queued" ? t("console.list.waiting", waited) : t("console.list.handed_off", waited);
    }
    var slaEl = li.querySelector(".sla"), sla = slaState(row, at);
    if (slaEl && sla) {
      slaEl.textContent = sla.text;
      slaEl.setAttribute("data-state", sla.cls);
      if (sla.left !== null) slaEl.setAttribute("data-seconds-left", String(Math.floor(sla.left)));
      li.classList.toggle("breached", sla.cls === "breached");
    }
  }
  var dues = document.querySelectorAll("[data-due]");
  for (var j = 0; j < dues.length; j++) {
    var due = parseTime(dues[j].getAttribute("data-due"));
    var left = (due - Date.now()) / 1000;
    dues[j].textContent = left >= 0 ? t("console.due.in", { time: duration(left) })
                                    : t("console.due.overdue", { time: duration(-left) });
    dues[j].classList.toggle("overdue", left < 0);
  }
}
setInterval(tickClocks, 500);  // twice a second, so a late timer never skips a second on screen

// -- the selected conversation ----------------------------------------------------------
function select(id) {
  if (id !== state.selected) {
    state.pendingReply = null;
    $("guard").hidden = true;
    $("reply-text").value = "";
    showError("");
    hideTyping();
  }
  state.selected = id;
  delete state.unread[id];
  renderLists();
  loadDetail(id);
}

function loadDetail(id) {
  var seq = ++state.loadSeq;
  api("GET", "/api/conversations/" + encodeURIComponent(id)).then(function (pkg) {
    if (seq !== state.loadSeq || id !== state.selected) return;
    state.detail = pkg;
    state.detailAt = Date.now();
    showDetail(pkg);
  }, function (err) {
    if (seq !== state.loadSeq || id !== state.selected) return;
    if (err.status === 403 || err.status === 404) {
      state.selected = null;
      state.detail = null;
      showDetail(null);
      renderLists();
      flash(err.status === 403 ? t("console.flash.not_yours") : t("console.flash.gone"), "warn");
    } else {
      showError(t("console.error.load", { message: err.message }));
    }
  });
}

function mayWrite(pkg) {
  return pkg.status === "assigned" && (pkg.assignee === state.me.username || isSupervisor());
}

function showDetail(pkg) {
  $("empty").hidden = !!pkg;
  $("detail").hidden = !pkg;
  $("context-empty").hidden = !!pkg;
  $("context-body").hidden = !pkg;
  if (!pkg) return;
  var name = pkg.customer && pkg.customer.display_name;
  $("conv-title").textContent = (name ? name + " · " : "") + pkg.channel + " · " + shortId(pkg.id);
  $("conv-status").textContent = statusLabel(pkg.status);
  $("conv-status").setAttribute("data-status", pkg.status);
  $("conv-assignee").textContent = pkg.assignee ? t("console.detail.with", { agent: pkg.assignee }) : "";
  $("claim").hidden = pkg.status !== "queued";
  $("transfer").hidden = !mayWrite(pkg);
  $("resolve").hidden = !(mayWrite(pkg) || (pkg.status === "queued" && isSupervisor()));
  var writable = mayWrite(pkg);
  $("reply-text").disabled = !writable;
  $("reply-send").disabled = !writable;
  $("reply-text").placeholder = writable ? t("console.reply.placeholder")
    : pkg.status === "queued" ? t("console.reply.claim_first") : t("console.reply.closed", { status: statusLabel(pkg.status) });
  Array.prototype.forEach.call($("canned").querySelectorAll("button"), function (b) { b.disabled = !writable; });
  renderTranscript(pkg);
  renderContext(pkg);
}

function renderTranscript(pkg) {
  var box = $("transcript");
  clear(box);
  state.seen = {};
  var previous = null;
  (pkg.transcript || []).forEach(function (m) {
    if (m.conversation_id !== previous) {
      var other = m.conversation_id !== pkg.id;
      var which = { id: shortId(m.conversation_id), channel: m.channel || pkg.channel };
      box.appendChild(el("div", "divider", other ? t("console.transcript.earlier", which)
                                                 : t("console.transcript.this", which)));
      previous = m.conversation_id;
    }
    appendMessage(m, true);
  });
  box.scrollTop = box.scrollHeight;
}

function appendMessage(m, bulk) {
  if (state.seen[m.id]) return;
  var box = $("transcript");
  var item = el("div", "msg");
  item.setAttribute("data-sender", m.sender);
  item.setAttribute("data-id", m.id);
  if (state.detail && m.conversation_id && m.conversation_id !== state.detail.id) item.classList.add("other");
  var meta = el("div", "meta");
  meta.appendChild(el("span", "who", senderLabel(m.sender)));
  meta.appendChild(el("span", "when", timeText(m.created_at)));
  item.appendChild(meta);
  if (m.edit_of !== undefined) {
    meta.appendChild(el("span", "edited", m.edit_of ? t("console.message.edited", { id: m.edit_of })
                                                    : t("console.message.edited_older")));
  }
  if (m.text) item.appendChild(el("div", "text", m.text));
  if (m.masked) {
    item.setAttribute("data-masked", "true");
    item.querySelector(".text").appendChild(revealButton(m, item));
  }
  (m.attachments || []).forEach(function (a) { item.appendChild(attachmentLine(a)); });
  var status = el("div", "delivery");
  item.appendChild(status);
  box.appendChild(item);
  if (m.delivery) showDelivery(item, m.delivery);
  state.seen[m.id] = item;
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
    api("POST", "/api/conversations/" + encodeURIComponent(state.selected) + "/reveal", { message_id: m.id })
      .then(function (data) {
        item.querySelector(".text").textContent = data.text;
        item.removeAttribute("data-masked");
      }, function (err) {
        button.disabled = false;
        showError(t("console.reveal.failed", { message: err.message }));
      });
  });
  return button;
}

function attachmentLabel(kind) {
  return { photo: t("console.attachment.photo"), sticker: t("console.attachment.sticker"),
           voice: t("console.attachment.voice"), audio: t("console.attachment.audio"),
           video: t("console.attachment.video"), video_note: t("console.attachment.video_note"),
           animation: t("console.attachment.animation"), document: t("console.attachment.document"),
           location: t("console.attachment.location"), contact: t("console.attachment.contact") }[kind] || kind;
}

function attachmentLine(a) {
  var parts = [attachmentLabel(a.kind)];
  if (a.name) parts.push(a.name);
  if (a.mime_type) parts.push(a.mime_type);
  if (a.size) parts.push(a.size >= 1048576 ? (a.size / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(a.size / 1024)) + " KB");
  var line = el("div", "attachment", parts.join(" \u00b7 "));
  line.setAttribute("data-kind", a.kind);
  return line;
}

// A reply that has not reached the customer says so on the message itself.
function showDelivery(item, d) {
  var line = item.querySelector(".delivery");
  if (!line) return;
  item.setAttribute("data-delivery", d.status);
  if (d.status === "sending") { line.textContent = ""; return; }  // under way, not a problem yet
  if (d.status === "sent") {
    var tries = { count: d.attempts };
    line.textContent = !d.attempts ? "" : d.attempts === 1 ? t("console.delivery.after_one", tries)
                                                           : t("console.delivery.after_many", tries);
    return;
  }
  var why = { error: d.error || t("console.delivery.refused") };
  line.textContent = d.status === "failed" ? t("console.delivery.failed", why) : t("console.delivery.retrying", why);
}

function showTyping() {
  $("typing").textContent = t("console.typing");
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(hideTyping, 4000);
}

function hideTyping() { clearTimeout(state.typingTimer); $("typing").textContent = ""; }

// -- the context panel on the right -----------------------------------------------------
function fact(dl, label, value, className) {
  if (value === undefined || value === null || value === "") return;
  dl.appendChild(el("dt", null, label));
  var dd = el("dd", className || null, value);
  dl.appendChild(dd);
  return dd;
}

function renderContext(pkg) {
  $("ctx-summary").textContent = pkg.summary || "";

  var h = pkg.handoff || {}, dl = $("ctx-handoff");
  clear(dl);
  fact(dl, t("console.fact.kind"), kindLabel(h.kind));
  // The server writes the reasons in the reader's language; `reason` is the recorded prose.
  fact(dl, t("console.fact.reason"), h.reason_text || h.reason, "reason");
  fact(dl, t("console.fact.category"), categoryLabel(h.category));
  var sev = fact(dl, t("console.fact.severity"), severityLabel(h.severity), "severity");
  if (sev) sev.setAttribute("data-severity", h.severity);
  fact(dl, t("console.fact.priority"), h.priority);
  fact(dl, t("console.fact.queued"), timeText(h.queued_at));
  if (h.first_response_at) fact(dl, t("console.fact.first_reply"), timeText(h.first_response_at));
  else if (h.first_response_due_at && !h.resolved_at) {
    var due = fact(dl, t("console.fact.first_reply"), " ");
    due.setAttribute("data-due", h.first_response_due_at);
  }
  if (h.breached_at) fact(dl, t("console.fact.breached"), timeText(h.breached_at), "breached");
  if (h.resolved_at) fact(dl, t("console.fact.resolved"), timeText(h.resolved_at));

  var attempts = $("ctx-attempts");
  clear(attempts);
  (pkg.bot_attempts || []).forEach(function (a) {
    var li = el("li");
    var head = el("div", "attempt-head");
    head.appendChild(el("span", "chip decision", decisionLabel(a.decision)));
    if (a.entry_id) head.appendChild(el("span", "muted", a.entry_id + (a.score !== undefined ? " (" + a.score.toFixed(2) + ")" : "")));
    li.appendChild(head);
    if (a.reason_text || a.reason) li.appendChild(el("div", "attempt-reason", a.reason_text || a.reason));
    if (a.category) li.appendChild(el("div", "muted", t("console.attempt.complaint",
      { category: categoryLabel(a.category), severity: severityLabel(a.severity) || "?" })));
    var results = el("ul", "results");
    (a.results || []).slice(0, 3).forEach(function (r) {
      var item = el("li");
      item.appendChild(el("span", "score", typeof r.score === "number" ? r.score.toFixed(2) : String(r.score)));
      item.appendChild(el("span", "question", r.question || r.id));
      item.title = r.id;
      results.appendChild(item);
    });
    if (results.firstChild) li.appendChild(results);
    attempts.appendChild(li);
  });
  if (!attempts.firstChild) attempts.appendChild(el("li", "muted", t("console.attempt.none")));

  var customer = pkg.customer || {}, cdl = $("ctx-customer");
  clear(cdl);
  fact(cdl, t("console.fact.name"), customer.display_name);
  fact(cdl, t("console.fact.channel"), pkg.channel);
  (customer.identities || []).forEach(function (i) { fact(cdl, i.channel, i.handle, "handle"); });
  var earlier = $("ctx-earlier");
  clear(earlier);
  (customer.earlier_conversations || []).forEach(function (c) {
    earlier.appendChild(el("li", null, shortId(c.id) + " · " + c.channel + " · " + statusLabel(c.status) + " · " + timeText(c.created_at)));
  });
  if (!earlier.firstChild) earlier.appendChild(el("li", "muted", t("console.none")));

  var complaints = $("ctx-complaints");
  clear(complaints);
  (pkg.complaints || []).forEach(function (c) {
    var li = el("li", "complaint");
    var head = el("div", "attempt-head");
    head.appendChild(el("span", "chip category", categoryLabel(c.category)));
    var s = el("span", "chip severity", severityLabel(c.severity));
    s.setAttribute("data-severity", c.severity);
    head.appendChild(s);
    head.appendChild(el("span", "muted", complaintStatusLabel(c.status)));
    li.appendChild(head);
    if (c.demand) li.appendChild(el("div", null, t("console.complaint.wants", { demand: demandLabel(c.demand) })));
    if (c.severity_reasons && c.severity_reasons.length) {
      li.appendChild(el("div", "muted", c.severity_reasons.map(severityReasonLabel).join(t("console.list_separator"))));
    }
    var clocks = el("ul", "clocks");
    (c.clocks || []).forEach(function (k) {
      var row = el("li");
      row.appendChild(el("span", "clock-kind", clockLabel(k.kind)));
      if (k.met_at) row.appendChild(el("span", "met", t("console.clock.met", { time: timeText(k.met_at) })));
      else if (k.breached_at) {
        row.appendChild(el("span", "breached", t("console.clock.breached", { time: timeText(k.breached_at) })));
      }
      else { var d = el("span", "due"); d.setAttribute("data-due", k.due_at); row.appendChild(d); }
      clocks.appendChild(row);
    });
    if (clocks.firstChild) li.appendChild(clocks);
    complaints.appendChild(li);
  });
  if (!complaints.firstChild) complaints.appendChild(el("li", "muted", t("console.none")));

  var notes = $("ctx-notes");
  clear(notes);
  (pkg.notes || []).forEach(addNote);
  if (!notes.firstChild) notes.appendChild(el("li", "muted none", t("console.none")));
  tickClocks();
}

function addNote(n) {
  var notes = $("ctx-notes"), none = notes.querySelector(".none");
  if (none) notes.removeChild(none);
  var li = el("li", "note");
  li.appendChild(el("div", "muted", n.author + " · " + timeText(n.created_at)));
  li.appendChild(el("div", "text", n.text));
  notes.appendChild(li);
}

// -- what the agent does ----------------------------------------------------------------
function act(event, button, after) {
  var id = state.selected;
  if (!id) return;
  showError("");
  button.disabled = true;
  call(event, { conversation_id: id }, function (err, ack) {
    button.disabled = false;
    if (err || !ack || ack.error) { showError(t("console.error.action", { action: button.textContent, message: errorText(ack) })); return; }
    refreshMine();
    refreshSoon();
    if (state.selected !== id) return;
    if (after) after(ack); else loadDetail(id);
  });
}

$("claim").addEventListener("click", function () {
  act("claim", $("claim"), function () { loadDetail(state.selected); $("reply-text").focus(); });
});
$("transfer").addEventListener("click", function () {
  act("transfer", $("transfer"), function () {
    flash(t("console.flash.transferred"), "info");
    loadDetail(state.selected);
  });
});
$("resolve").addEventListener("click", function () {
  act("resolve", $("resolve"), function () {
    flash(t("console.flash.resolved"), "info");
    // An agent may not read a resolved conversation back: keep what is on screen, marked resolved.
    if (isSupervisor()) { loadDetail(state.selected); return; }
    state.detail.status = "resolved";
    state.detail.assignee = null;
    showDetail(state.detail);
  });
});

function sendReply(text, confirm) {
  var id = state.selected;
  text = text.trim();
  if (!id || !text) return;
  showError("");
  $("reply-send").disabled = true;
  $("send-anyway").disabled = true;
  call("reply", { conversation_id: id, text: text, confirm: !!confirm }, function (err, ack) {
    $("reply-send").disabled = false;
    $("send-anyway").disabled = false;
    if (!err && ack && ack.error && ack.error.code === "needs_confirmation") {
      showGuard(id, text, ack.error.warnings || []);
      return;
    }
    if (err || !ack || ack.error || !ack.message) { showError(t("console.error.not_sent", { message: errorText(ack) })); return; }
    state.pendingReply = null;
    $("guard").hidden = true;
    if ($("reply-text").value.trim() === text) $("reply-text").value = "";
    if (state.selected === id) appendMessage(ack.message);
    // The first reply stops the SLA clock: show it in the lists and the hand-off facts.
    refreshMine();
    refreshSoon();
    if (state.selected === id && state.detail && !(state.detail.handoff || {}).first_response_at) loadDetail(id);
    if (ack.warnings && ack.warnings.length) flash(t("console.flash.sent_despite", { count: ack.warnings.length }), "warn");
  });
}

function showGuard(id, text, warnings) {
  state.pendingReply = { conversation_id: id, text: text };
  var list = $("guard-warnings");
  clear(list);
  warnings.forEach(function (w) {
    var li = el("li");
    li.setAttribute("data-kind", w.kind);
    li.appendChild(el("span", "chip", w.kind));
    li.appendChild(el("q", "excerpt", w.excerpt));
    li.appendChild(el("span", null, " " + w.message));
    list.appendChild(li);
  });
  $("guard").hidden = false;
}

$("reply-form").addEventListener("submit", function (e) {
  e.preventDefault();
  sendReply($("reply-text").value, false);
});
$("reply-text").addEventListener("keydown", function (e) {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("reply-form").requestSubmit(); }
});
$("reply-text").addEventListener("input", function () {
  // The warning was about other words: an edited reply goes through the guard again.
  if (state.pendingReply && $("reply-text").value.trim() !== state.pendingReply.text) {
    state.pendingReply = null;
    $("guard").hidden = true;
  }
  var now = Date.now();
  if (state.detail && mayWrite(state.detail) && socket && socket.connected && now - state.typingSentAt > TYPING_EVERY_MS) {
    state.typingSentAt = now;
    socket.emit("typing", { conversation_id: state.detail.id });
  }
});
$("send-anyway").addEventListener("click", function () {
  var pending = state.pendingReply;
  if (pending && pending.conversation_id === state.selected) sendReply(pending.text, true);
});
$("guard-cancel").addEventListener("click", function () {
  state.pendingReply = null;
  $("guard").hidden = true;
  $("reply-text").focus();
});

CANNED.forEach(function (text) {
  var b = el("button", null, text);
  b.type = "button";
  b.addEventListener("click", function () {
    var box = $("reply-text");
    box.value = text;
    box.dispatchEvent(new Event("input"));
    box.focus();
  });
  $("canned").appendChild(b);
});

$("note-form").addEventListener("submit", function (e) {
  e.preventDefault();
  var id = state.selected, input = $("note-text"), text = input.value.trim();
  if (!id || !text) return;
  showError("");
  call("note", { conversation_id: id, text: text }, function (err, ack) {
    if (err || !ack || ack.error) { showError(t("console.error.note", { message: errorText(ack) })); return; }
    input.value = "";
    if (state.selected !== id) return;
    addNote(ack);
    // A context read already under way was taken before this note existed and would paint
    // over it; reading again supersedes it.
    loadDetail(id);
  });
});

function sendPresence() {
  var status = $("presence").value;
  if (!status) return;
  var payload = { status: status }, capacity = parseInt($("capacity").value, 10);
  if (!isNaN(capacity)) payload.capacity = capacity;
  call("presence", payload, function (err, ack) {
    if (err || !ack || ack.error) { flash(t("console.error.presence", { message: errorText(ack) }), "error"); return; }
    var label = { online: t("console.presence.online"), away: t("console.presence.away"),
                  offline: t("console.presence.offline") }[ack.status] || ack.status;
    $("presence-state").textContent = t("console.presence.state", { status: label, capacity: ack.capacity });
    $("capacity").value = String(ack.capacity);
  });
}
$("presence").addEventListener("change", sendPresence);
$("capacity").addEventListener("change", sendPresence);

// -- start ------------------------------------------------------------------------------
I18n.page();
renderLists();
api("GET", "/api/auth/me").then(start, function () { showLogin(""); });
