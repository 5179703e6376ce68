/* What the agent does: claim, transfer, resolve, reply (through the reply guard), notes,
 * and presence (canned replies: console_canned.js). Every action goes over the /agent socket and waits for its ack. */
var DeskActions = (function () {
  "use strict";
  var state = Desk.state, $ = Desk.$, el = Staff.el;
  var TYPING_EVERY_MS = 2000;
  var typingSentAt = 0;

  // Lists and the conversation change with every action: read them again once it is acked.
  function afterChange() {
    DeskLists.refreshMine();
    DeskLists.refreshSoon();
  }

  function act(event, button, after) {
    var id = state.selected;
    if (!id) return;
    Desk.showError("");
    button.disabled = true;
    DeskSocket.call(event, { conversation_id: id }, function (err, ack) {
      button.disabled = false;
      if (err || !ack || ack.error) {
        Desk.showError(t("console.error.action", { action: button.textContent, message: Desk.errorText(ack) }));
        return;
      }
      afterChange();
      if (state.selected !== id) return;
      after();
    });
  }

  function claim() {
    act("claim", $("claim"), function () {
      DeskDetail.focusReplyOnce(state.selected);
      DeskDetail.load(state.selected);
    });
  }

  function resolve() {
    act("resolve", $("resolve"), function () {
      Staff.flash(t("console.flash.resolved"), "info");
      // The agent who handled it may read it back, read-only.
      DeskDetail.load(state.selected);
    });
  }

  function sendReply(text, confirm) {
    var id = state.selected;
    text = text.trim();
    if (!id || !text) return;
    Desk.showError("");
    $("reply-send").disabled = true;
    $("send-anyway").disabled = true;
    var payload = { conversation_id: id, text: text, confirm: !!confirm }, entry = DeskSuggestions.entryFor(id);
    if (entry) payload.entry_id = entry;
    DeskSocket.call("reply", payload, function (err, ack) {
      $("reply-send").disabled = false;
      $("send-anyway").disabled = false;
      if (!err && ack && ack.error && ack.error.code === "needs_confirmation") {
        showGuard(id, text, ack.error.warnings || []);
        return;
      }
      if (err || !ack || ack.error || !ack.message) {
        Desk.showError(t("console.error.not_sent", { message: Desk.errorText(ack) }));
        return;
      }
      state.pendingReply = null;
      $("guard").hidden = true;
      if ($("reply-text").value.trim() === text) $("reply-text").value = "";
      DeskSuggestions.forget();
      if (state.selected === id) DeskTranscript.append(ack.message);
      // The first reply stops the SLA clock: show it in the lists and the hand-off facts.
      afterChange();
      if (state.selected === id && state.detail && !(state.detail.handoff || {}).first_response_at) DeskDetail.load(id);
      if (ack.warnings && ack.warnings.length) {
        Staff.flash(t("console.flash.sent_despite", { count: ack.warnings.length }), "warn");
      }
    });
  }

  // The reply guard found something (an insult, a promise the knowledge base does not make…):
  // the agent edits the reply or sends it anyway, knowingly.
  function showGuard(id, text, warnings) {
    state.pendingReply = { conversation_id: id, text: text };
    var list = $("guard-warnings");
    Staff.clear(list);
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

  function edited() {
    // The warning was about other words: an edited reply goes through the guard again.
    if (state.pendingReply && $("reply-text").value.trim() !== state.pendingReply.text) {
      state.pendingReply = null;
      $("guard").hidden = true;
    }
    var now = Date.now();
    if (state.detail && Desk.mayWrite(state.detail) && now - typingSentAt > TYPING_EVERY_MS) {
      if (DeskSocket.emit("typing", { conversation_id: state.detail.id })) typingSentAt = now;
    }
  }

  function addNote(e) {
    e.preventDefault();
    var id = state.selected, input = $("note-text"), text = input.value.trim();
    if (!id || !text) return;
    Desk.showError("");
    DeskSocket.call("note", { conversation_id: id, text: text }, function (err, ack) {
      if (err || !ack || ack.error) { Desk.showError(t("console.error.note", { message: Desk.errorText(ack) })); return; }
      input.value = "";
      if (state.selected !== id) return;
      DeskContext.addNote(ack);
      // A context read already under way was taken before this note existed and would paint
      // over it; reading again supersedes it.
      DeskDetail.load(id);
    });
  }

  function sendPresence() {
    var status = $("presence").value;
    if (!status) return;
    var payload = { status: status }, capacity = parseInt($("capacity").value, 10);
    if (!isNaN(capacity)) payload.capacity = capacity;
    DeskSocket.call("presence", payload, function (err, ack) {
      if (err || !ack || ack.error) {
        Staff.flash(t("console.error.presence", { message: Desk.errorText(ack) }), "error");
        return;
      }
      $("presence-state").textContent = t("console.presence.state",
        { status: I18n.code("console.presence.", ack.status), capacity: ack.capacity });
      $("capacity").value = String(ack.capacity);
    });
  }

  // Once per page: the buttons and forms outlive logins.
  function bind() {
    $("claim").addEventListener("click", claim);
    // #transfer opens the picker: console_transfer.js.
    $("resolve").addEventListener("click", resolve);
    $("reply-form").addEventListener("submit", function (e) {
      e.preventDefault();
      sendReply($("reply-text").value, false);
    });
    $("reply-text").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("reply-form").requestSubmit(); }
    });
    $("reply-text").addEventListener("input", edited);
    $("send-anyway").addEventListener("click", function () {
      var pending = state.pendingReply;
      if (pending && pending.conversation_id === state.selected) sendReply(pending.text, true);
    });
    $("guard-cancel").addEventListener("click", function () {
      state.pendingReply = null;
      $("guard").hidden = true;
      $("reply-text").focus();
    });
    $("note-form").addEventListener("submit", addNote);
    $("presence").addEventListener("change", sendPresence);
    $("capacity").addEventListener("change", sendPresence);
  }

  return { bind: bind };
})();
