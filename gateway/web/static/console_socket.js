/* The live channel: the /agent Socket.IO namespace. EVENTS is every event the server pushes
 * and what the console does with it; actions go out through call() and wait for their ack.
 * `io` is the Socket.IO client, /vendor/socket.io.min.js. */
var DeskSocket = (function () {
  "use strict";
  var state = Desk.state, $ = Desk.$;
  var socket = null;

  function setConnection(text, online) {
    var badge = $("connection");
    badge.textContent = text;
    badge.setAttribute("data-state", online ? "online" : "offline");
  }

  var EVENTS = {
    connect: function () {
      setConnection(t("console.connection.live"), true);
      socket.timeout(10000).emit("queue", {}, function (err, ack) {
        if (!err && ack && ack.conversations) DeskLists.set("queue", ack.conversations);
      });
      DeskLists.refreshMine();
      DeskLists.refreshOpen();
      DeskDetail.reloadSelected();
      // The server forgets what a socket watched when it drops: a reconnect asks again.
      if (state.selected) watch(state.selected);
    },
    disconnect: function () { setConnection(t("console.connection.reconnecting"), false); },
    // The server closes the feed of a login that was logged out (here or on another device).
    session_ended: function () { DeskPage.signOut(t("console.session_ended")); },
    connect_error: function (err) {
      var code = err && err.data && err.data.code;
      if (code === "unauthorized") DeskPage.signOut(t("console.session_ended"));
      else if (code === "forbidden") DeskPage.signOut(t("console.forbidden"));
      else setConnection(t("console.connection.reconnecting"), false);
    },
    queue: function (data) {
      DeskLists.set("queue", (data && data.conversations) || []);
      if (Desk.isSupervisor()) DeskLists.refreshSoon();
      // Someone else took the conversation on screen out of the queue: show what it is now.
      if (state.detail && state.detail.status === "queued" && !DeskLists.has("queue", state.selected)) {
        DeskDetail.reloadSelected();
      }
    },
    conversation_assigned: function (a) {
      DeskLists.refreshMine();
      DeskLists.refreshSoon();
      if (a.agent_name === state.me.username && a.by !== "agent:" + state.me.username) {
        Staff.flash(t("console.flash.assigned", { id: Desk.shortId(a.conversation_id), by: a.by }), "info");
      }
      if (a.conversation_id === state.selected) DeskDetail.reloadSelected();
    },
    message: function (m) {
      if (!m || !m.conversation_id) return;
      if (m.conversation_id === state.selected && m.sender === "bot" && state.detail && state.detail.status === "bot") {
        // The bot answered while we watch: the customer's words it answered are not sent on
        // their own (that would cost every customer message an emit), so read both at once.
        DeskDetail.reloadSelected();
        return;
      }
      if (m.conversation_id === state.selected) {
        DeskTranscript.append(m);
        if (m.sender === "customer") { DeskTranscript.hideTyping(); DeskSuggestions.refresh(); }
      } else if (m.sender === "customer") {
        state.unread[m.conversation_id] = true;
      }
      if (m.sender === "customer") DeskLists.customerSaid(m.conversation_id, m.text);
    },
    delivery: function (d) {
      if (!d || !DeskTranscript.showDelivery(d.message_id, d)) return;
      if (d.status === "failed") Staff.flash(t("console.flash.undelivered", { id: Desk.shortId(d.conversation_id) }), "error");
    },
    typing: function (who) {
      if (who && who.conversation_id === state.selected && who.sender === "customer") DeskTranscript.showTyping();
    },
    sla_warning: function (w) {
      Staff.flash(t("console.flash.sla_warning", { id: Desk.shortId(w.conversation_id), percent: w.percent }), "warn");
    },
    sla_breach: function (b) {
      var what = b.clock ? t("console.flash.breach_clock", { clock: b.clock }) : t("console.flash.breach_sla");
      var fields = { what: what, id: Desk.shortId(b.conversation_id) };
      Staff.flash(b.reassigned ? t("console.flash.breach_requeued", fields) : t("console.flash.breach", fields), "error");
      DeskLists.refreshMine();
      DeskLists.refreshSoon();
      if (b.conversation_id === state.selected) DeskDetail.reloadSelected();
    }
  };

  function connect() {
    if (!socket) {
      // Same origin: the browser sends the session cookie with the handshake.
      socket = io("/agent", { transports: ["websocket", "polling"], withCredentials: true, autoConnect: false });
      Object.keys(EVENTS).forEach(function (name) { socket.on(name, EVENTS[name]); });
    }
    if (!socket.connected) socket.connect();
  }

  function disconnect() { if (socket) socket.disconnect(); }

  // done(err, ack); offline answers at once rather than queueing the action for later.
  function call(event, payload, done) {
    if (!socket || !socket.connected) {
      done(null, { error: { code: "offline", message: t("console.error.offline") } });
      return;
    }
    socket.timeout(15000).emit(event, payload, done);
  }

  // The open conversation's bot and system messages come as `message` events too; null stops
  // them. One per socket: the newest replaces the last. Supervisors only: an agent reads the
  // bot's side once the conversation is handed off, in the context package.
  function watch(id) {
    if (socket && socket.connected && Desk.isSupervisor()) socket.emit("watch", { conversation_id: id || null });
  }

  // Fire and forget (typing): true when it went out.
  function emit(event, payload) {
    if (!socket || !socket.connected) return false;
    socket.emit(event, payload);
    return true;
  }

  return { EVENTS: EVENTS, connect: connect, disconnect: disconnect, call: call, emit: emit, watch: watch };
})();
