/* The chat widget. Embedded with one tag: <script src="https://gateway.example/widget.js" async></script>
 * `io` is the Socket.IO client bundled ahead of this file by the server.
 * Customer text only ever reaches the page through textContent, never innerHTML. */
var script = document.currentScript;
var origin = script ? new URL(script.src, location.href).origin : location.origin;
var TOKEN_KEY = "csgw.visitor_token@" + origin;
// The tag's data-lang, else the visitor's browser, else the host page's own language.
I18n.use(I18n.pick([script && script.getAttribute("data-lang")].concat(
  navigator.languages || [], [navigator.language, document.documentElement.lang])));

var host = document.createElement("div");
host.id = "csgw-widget";
host.lang = I18n.language();  // its words' language, which may not be the shop page's (WCAG 3.1.2)
document.body.appendChild(host);
var root = host.attachShadow({ mode: "open" });
root.innerHTML =
  '<style>' +
  ':host{all:initial;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif}' +
  '#launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;padding:14px 20px;' +
  'background:#0b6e4f;color:#fff;font-size:15px;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer}' +
  '#panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:360px;height:520px;max-height:calc(100vh - 40px);' +
  'display:none;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden}' +
  '#panel.open{display:flex}' +
  '.head{background:#0b6e4f;color:#fff;padding:12px 14px;display:flex;justify-content:space-between;align-items:center;font-size:15px}' +
  '.head button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}' +
  '#log{flex:1;overflow-y:auto;padding:12px;background:#f5f7f6;font-size:14px}' +
  '.msg{max-width:80%;margin:6px 0;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;line-height:1.4}' +
  '.msg[data-sender=customer]{margin-left:auto;background:#0b6e4f;color:#fff;border-bottom-right-radius:3px}' +
  '.msg[data-sender=bot],.msg[data-sender=agent]{background:#fff;color:#1c1c1c;border:1px solid #dde3e0;border-bottom-left-radius:3px}' +
  '.msg[data-sender=system]{max-width:100%;text-align:center;background:none;color:#5c6b64;font-size:12px}' +
  '.msg.pending{opacity:.6}.msg.failed{background:#b3261e;cursor:pointer}' +
  '#status{font-size:12px;color:#5c6b64;padding:0 12px;min-height:16px}' +
  '#quick{display:flex;flex-wrap:wrap;gap:6px;padding:0 12px 6px}' +
  '#quick button{border:1px solid #0b6e4f;background:#fff;color:#0b6e4f;border-radius:14px;padding:5px 10px;font-size:13px;cursor:pointer}' +
  'form{display:flex;gap:8px;padding:10px;border-top:1px solid #dde3e0}' +
  'textarea{flex:1;resize:none;height:40px;padding:9px;border:1px solid #c5cec9;border-radius:8px;font:inherit;font-size:14px}' +
  'form button{border:0;border-radius:8px;background:#0b6e4f;color:#fff;padding:0 16px;font-size:14px;cursor:pointer}' +
  '@media (max-width:480px){#panel{right:0;bottom:0;width:100vw;height:100vh;max-height:100vh;border-radius:0}}' +
  '</style>' +
  '<button id="launcher" type="button"></button>' +
  '<div id="panel" role="dialog" aria-labelledby="title"><div class="head"><span id="title"></span>' +
  '<button id="close" type="button">×</button></div>' +
  '<div id="log" aria-live="polite"></div><div id="status"></div><div id="quick"></div>' +
  '<form id="composer"><textarea id="input" maxlength="4096"></textarea><button id="send" type="submit"></button></form></div>';

function $(id) { return root.getElementById(id); }
$("launcher").textContent = t("widget.open");
$("title").textContent = t("widget.title");
$("close").setAttribute("aria-label", t("widget.close"));
$("input").placeholder = t("widget.placeholder");
$("send").textContent = t("widget.send");

var seen = {};      // message id -> element
var pending = {};   // client_msg_id -> element
var typingTimer = null;
var lastTypingSent = 0;

var socket = io(origin + "/chat", {
  transports: ["websocket", "polling"],
  autoConnect: false,
  auth: function (cb) {
    var token = localStorage.getItem(TOKEN_KEY);
    cb(token ? { visitor_token: token } : {});
  }
});

function scrollDown() { var log = $("log"); log.scrollTop = log.scrollHeight; }

function bubble(sender, text) {
  var el = document.createElement("div");
  el.className = "msg";
  el.setAttribute("data-sender", sender);
  el.textContent = text;
  $("log").appendChild(el);
  scrollDown();
  return el;
}

function showQuickReplies(options) {
  var box = $("quick");
  box.textContent = "";
  (options || []).forEach(function (label) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", function () { box.textContent = ""; send(label); });
    box.appendChild(b);
  });
}

function setStatus(text) { $("status").textContent = text || ""; }

socket.on("session", function (s) { localStorage.setItem(TOKEN_KEY, s.visitor_token); });
socket.on("connect", function () { setStatus(""); });
socket.on("disconnect", function () { setStatus(t("widget.offline")); });
socket.on("connect_error", function (err) {
  var code = err && err.data && err.data.code;
  if (code === "invalid_token" || code === "expired_token") {
    // A stale token is refused, never reused: start afresh as a new visitor.
    localStorage.removeItem(TOKEN_KEY);
    socket.connect();
  } else if (code === "unavailable" || code === "rate_limited" || !socket.active) {
    // Refused by the server for now (not a transport drop, which the client retries itself).
    var wait = (err.data && err.data.retry_after) || 3;
    setStatus(t("widget.offline"));
    setTimeout(function () { socket.connect(); }, wait * 1000);
  }
});

socket.on("message", function (m) {
  if (seen[m.id]) return;
  var el = m.client_msg_id && pending[m.client_msg_id];
  if (el) {
    delete pending[m.client_msg_id];
    el.classList.remove("pending", "failed");
  } else {
    el = bubble(m.sender, m.text);
  }
  el.setAttribute("data-id", m.id);
  seen[m.id] = el;
  if (m.sender !== "customer") { setStatus(""); showQuickReplies(m.quick_replies); }
});

socket.on("handoff", function (h) {
  if (h.state === "queued") setStatus(t("widget.queued", { position: h.position || "?" }));
  else if (h.state === "assigned") setStatus(t("widget.assigned", { agent: h.agent_name || "" }));
  else if (h.state === "resolved") setStatus(t("widget.resolved"));
});

socket.on("typing", function (typing) {  // not `t`: that is the words function
  if (typing.sender === "customer") return;
  setStatus(t("widget.typing"));
  clearTimeout(typingTimer);
  typingTimer = setTimeout(function () { if ($("status").textContent === t("widget.typing")) setStatus(""); }, 3000);
});

function newId() {
  return "c-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
}

function emitMessage(text, clientMsgId, el) {
  socket.timeout(15000).emit("message", { text: text, client_msg_id: clientMsgId }, function (err, ack) {
    if (err || !ack || ack.error) {
      el.classList.add("failed");
      el.title = t("widget.failed") + (ack && ack.error ? " (" + ack.error.message + ")" : "");
      el.onclick = function () { el.classList.remove("failed"); el.onclick = null; emitMessage(text, clientMsgId, el); };
      return;
    }
    el.classList.remove("pending");
    el.setAttribute("data-id", ack.id);
    seen[ack.id] = el;
    delete pending[clientMsgId];
  });
}

function send(text) {
  text = text.trim();
  if (!text) return;
  var clientMsgId = newId();
  var el = bubble("customer", text);
  el.classList.add("pending");
  pending[clientMsgId] = el;
  emitMessage(text, clientMsgId, el);
}

$("composer").addEventListener("submit", function (e) {
  e.preventDefault();
  var input = $("input");
  send(input.value);
  input.value = "";
});
$("input").addEventListener("keydown", function (e) {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("composer").requestSubmit(); return; }
  var now = Date.now();
  if (socket.connected && now - lastTypingSent > 2000) { lastTypingSent = now; socket.emit("typing", { typing: true }); }
});

function open() {
  $("panel").classList.add("open");
  $("launcher").style.display = "none";
  if (!socket.connected) socket.connect();
  $("input").focus();
}
$("launcher").addEventListener("click", open);
$("close").addEventListener("click", function () {
  $("panel").classList.remove("open");
  $("launcher").style.display = "";
});
if (script && script.hasAttribute("data-open")) open();
