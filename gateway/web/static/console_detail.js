/* The conversation in the middle: choosing one, reading its context package, and showing
 * which actions this agent may take on it now. */
var DeskDetail = (function () {
  "use strict";
  var state = Desk.state, $ = Desk.$;
  // Just claimed: the reply box takes the focus once a read paints the conversation as writable,
  // which is not the first read to land when the assignment event's read overtakes it.
  var focusReplyFor = null;

  function focusReplyOnce(id) { focusReplyFor = id; }

  function select(id) {
    if (id !== state.selected) {
      focusReplyFor = null;
      state.pendingReply = null;
      $("guard").hidden = true;
      $("reply-text").value = "";
      Desk.showError("");
      DeskTranscript.hideTyping();
    }
    state.selected = id;
    delete state.unread[id];
    DeskLists.renderAll();
    DeskSocket.watch(id);
    load(id);
  }

  // Reads the package again; an older read still under way is dropped when it lands.
  function load(id) {
    var seq = ++state.loadSeq;
    Staff.api("GET", "/api/conversations/" + encodeURIComponent(id)).then(function (pkg) {
      if (seq !== state.loadSeq || id !== state.selected) return;
      state.detail = pkg;
      show(pkg);
    }, function (err) {
      if (seq !== state.loadSeq || id !== state.selected) return;
      if (err.status === 403 || err.status === 404) {
        close();
        Staff.flash(err.status === 403 ? t("console.flash.not_yours") : t("console.flash.gone"), "warn");
      } else {
        Desk.showError(t("console.error.load", { message: err.message }));
      }
    });
  }

  // Nothing open: gone, or no longer this login's to read.
  function close() {
    state.selected = null;
    state.detail = null;
    DeskSocket.watch(null);
    show(null);
    DeskLists.renderAll();
  }

  function reloadSelected() { if (state.selected) load(state.selected); }

  function show(pkg) {
    $("empty").hidden = !!pkg;
    $("detail").hidden = !pkg;
    $("context-empty").hidden = !!pkg;
    $("context-body").hidden = !pkg;
    DeskSuggestions.show(pkg);
    if (!pkg) return;
    var name = pkg.customer && pkg.customer.display_name;
    var status = I18n.code("console.status.", pkg.status);
    $("conv-title").textContent = (name ? name + " · " : "") + pkg.channel + " · " + Desk.shortId(pkg.id);
    $("conv-status").textContent = status;
    $("conv-status").setAttribute("data-status", pkg.status);
    $("conv-assignee").textContent = pkg.assignee ? t("console.detail.with", { agent: pkg.assignee }) : "";
    // read_only: the server's word that this login may read but not act (resolved, someone else's).
    var readOnly = !!pkg.read_only, writable = Desk.mayWrite(pkg) && !readOnly, resolved = pkg.status === "resolved";
    $("read-only").hidden = !readOnly;
    $("read-only").textContent = readOnly ? t(resolved ? "console.read_only.resolved" : "console.read_only.other") : "";
    $("note-text").disabled = readOnly;
    $("note-add").disabled = readOnly;
    $("claim").hidden = pkg.status !== "queued";
    $("transfer").hidden = !writable;
    $("resolve").hidden = !(writable || (pkg.status === "queued" && Desk.isSupervisor()));
    $("reply-text").disabled = !writable;
    $("reply-send").disabled = !writable;
    $("reply-text").placeholder = writable ? t("console.reply.placeholder")
      : pkg.status === "queued" ? t("console.reply.claim_first")
      : pkg.status === "bot" ? t("console.reply.bot") : t("console.reply.closed", { status: status });
    Array.prototype.forEach.call($("canned").querySelectorAll("button"), function (b) { b.disabled = !writable; });
    DeskTranscript.render(pkg);
    DeskContext.render(pkg);
    if (writable && focusReplyFor === pkg.id) {
      focusReplyFor = null;
      $("reply-text").focus();
    }
  }

  return { select: select, load: load, reloadSelected: reloadSelected, show: show, close: close,
           focusReplyOnce: focusReplyOnce };
})();
