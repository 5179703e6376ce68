/* The agent console's shared state and the small readings every part of it makes.
 * The console is a few scripts loaded in order by console.html, no build step:
 * console_state, console_lists, console_transcript, console_context, console_detail,
 * console_actions, console_socket, console_search, console_transfer, console_keys (and the
 * others console.html lists), then console.js, which starts it. Each part calls the
 * others only from event handlers, so the order matters for loading alone.
 * Customer text only ever reaches the page through textContent, never innerHTML. */
var Desk = (function () {
  "use strict";
  var SUPERVISING = { supervisor: true, admin: true };

  var state = {
    me: null,            // {username, role, language}
    lists: { queue: { rows: [], at: 0 }, mine: { rows: [], at: 0 }, open: { rows: [], at: 0 } },
    selected: null,      // conversation id
    detail: null,        // its context package
    loadSeq: 0,          // only the newest read of a conversation may paint it
    seen: {},            // message id -> element, for the selected conversation
    unread: {},          // conversation id -> true
    pendingReply: null   // {conversation_id, text} awaiting "Send anyway"
  };

  function $(id) { return document.getElementById(id); }

  function isSupervisor() { return !!(state.me && SUPERVISING[state.me.role]); }

  function mayWrite(pkg) {
    return pkg.status === "assigned" && (pkg.assignee === state.me.username || isSupervisor());
  }

  function parseTime(iso) {
    if (!iso) return null;
    // A timestamp without a zone is UTC on the server.
    var ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z");
    return isNaN(ms) ? null : ms;
  }

  // Today's times as hours and minutes; older ones with their date.
  function timeText(iso) {
    var ms = parseTime(iso);
    if (ms === null) return "";
    var d = new Date(ms), now = new Date();
    var hm = d.toLocaleTimeString(I18n.language(), { hour: "2-digit", minute: "2-digit" });
    return d.toDateString() === now.toDateString() ? hm : d.toLocaleDateString(I18n.language()) + " " + hm;
  }

  // A running clock: m:ss, or h:mm:ss past the hour.
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }

  function shortId(id) { return String(id || "").slice(0, 8); }

  function showError(text) { $("action-error").textContent = text || ""; }

  // The words of a socket acknowledgement that refused, or of one that never came.
  function errorText(ack) {
    if (ack && ack.error) return ack.error.message || ack.error.code;
    return t("console.error.no_answer");
  }

  function reset() {
    state.me = null;
    state.selected = null;
    state.detail = null;
    state.unread = {};
    state.pendingReply = null;
    ["queue", "mine", "open"].forEach(function (name) { state.lists[name] = { rows: [], at: 0 }; });
  }

  return { state: state, $: $, isSupervisor: isSupervisor, mayWrite: mayWrite, parseTime: parseTime,
           timeText: timeText, duration: duration, shortId: shortId, showError: showError, errorText: errorText,
           reset: reset };
})();
