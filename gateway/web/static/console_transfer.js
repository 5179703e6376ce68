/* The transfer picker: the Transfer button opens a dialog of the agents (presence and load,
 * from GET /api/agents) and "back to the queue for supervisors"; the choice goes out as the
 * socket's `transfer` with to_user_id. A modal <dialog> keeps focus inside it and closes
 * on Escape; focus goes back to the button. */
var DeskTransfer = (function () {
  "use strict";
  var state = Desk.state, $ = Desk.$, el = Staff.el;
  var RANK = { online: 0, away: 1, offline: 2 };
  var conversationId = null;  // the one the picker was opened for, whatever is selected since
  var busy = false;

  function open() {
    if (!state.detail || $("transfer").hidden) return;
    conversationId = state.detail.id;
    busy = false;
    $("transfer-error").textContent = "";
    $("transfer-state").textContent = t("console.transfer.loading");
    Staff.clear($("transfer-agents"));
    $("transfer-picker").showModal();
    $("transfer-queue").focus();
    var assignee = state.detail.assignee;
    Staff.api("GET", "/api/agents").then(function (data) {
      if (!$("transfer-picker").open) return;
      var agents = (data.agents || []).filter(function (a) { return a.username !== assignee; });
      agents.sort(function (a, b) {
        return (RANK[a.presence] - RANK[b.presence]) || (a.load / (a.capacity || 1) - b.load / (b.capacity || 1));
      });
      $("transfer-state").textContent = agents.length ? "" : t("console.transfer.nobody");
      agents.forEach(function (a) { $("transfer-agents").appendChild(choice(a)); });
      var first = $("transfer-agents").querySelector("button");
      if (first) first.focus();
    }, function (err) {
      $("transfer-state").textContent = t("console.transfer.no_agents", { message: err.message });
    });
  }

  function choice(a) {
    var li = el("li");
    var b = el("button", "pick");
    b.type = "button";
    b.setAttribute("data-user-id", String(a.id));
    b.setAttribute("data-username", a.username);
    b.appendChild(el("span", "pick-name", a.username));
    if (a.role !== "agent") b.appendChild(el("span", "chip", I18n.code("staff.role.", a.role)));
    // No capacity yet: the agent has never set a presence.
    var capacity = a.capacity === null || a.capacity === undefined ? "\u2013" : a.capacity;
    var load = el("span", "pick-load", t("console.transfer.load", {
      presence: I18n.code("console.presence.", a.presence), load: a.load, capacity: capacity }));
    load.setAttribute("data-presence", a.presence);
    b.appendChild(load);
    b.addEventListener("click", function () { send(a.id, a.username); });
    li.appendChild(b);
    return li;
  }

  function send(userId, username) {
    if (busy || !conversationId) return;
    busy = true;
    var id = conversationId;
    $("transfer-error").textContent = "";
    DeskSocket.call("transfer", { conversation_id: id, to_user_id: userId }, function (err, ack) {
      busy = false;
      if (err || !ack || ack.error) {
        $("transfer-error").textContent = t("console.transfer.failed", { message: Desk.errorText(ack) });
        return;
      }
      close();
      Staff.flash(userId === null ? t("console.flash.transferred")
                                  : t("console.flash.transferred_to", { agent: username }), "info");
      DeskLists.refreshMine();
      DeskLists.refreshSoon();
      if (state.selected !== id) return;
      // An agent reads another agent's conversation no more: it leaves the screen with it.
      if (userId !== null && !Desk.isSupervisor()) DeskDetail.close();
      else DeskDetail.load(id);
    });
  }

  function close() {
    if ($("transfer-picker").open) $("transfer-picker").close();
  }

  // Once per page.
  function bind() {
    $("transfer").addEventListener("click", open);
    $("transfer-queue").addEventListener("click", function () { send(null, null); });
    $("transfer-cancel").addEventListener("click", close);
    $("transfer-picker").addEventListener("close", function () {
      // The event comes a task after the close: a quick Escape then Enter has opened it again.
      if ($("transfer-picker").open) return;
      conversationId = null;
      if (!$("detail").hidden && !$("transfer").hidden) $("transfer").focus();
      else if (!$("empty").hidden) $("empty").focus();  // the conversation went with the transfer
    });
    // A click on the backdrop lands on the dialog itself: it closes, as Escape does.
    $("transfer-picker").addEventListener("click", function (e) { if (e.target === $("transfer-picker")) close(); });
  }

  return { bind: bind, open: open, close: close };
})();
