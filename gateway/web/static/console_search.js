/* Finding a conversation: the search block over the lists, GET /api/conversations/search.
 * The server answers only what this login may read, so an agent's results are the queue, their
 * own and the resolved ones they handled; a result opens like any list row (resolved ones
 * read-only). */
var DeskSearch = (function () {
  "use strict";
  var state = Desk.state, $ = Desk.$, el = Staff.el;
  var result = { rows: [], at: 0, shown: false };
  var seq = 0;          // only the newest answer may paint the results
  var typingTimer = null;
  var FILTERS = [["status", "search-status"], ["channel", "search-channel"], ["assignee", "search-assignee"],
                 ["complaint", "search-complaint"], ["breached", "search-breached"],
                 ["from", "search-from"], ["to", "search-to"]];

  function query() {
    var params = [], q = $("search-q").value.trim();
    if (q) params.push("q=" + encodeURIComponent(q));
    FILTERS.forEach(function (f) {
      var value = $(f[1]).value;
      if (value) params.push(f[0] + "=" + encodeURIComponent(value));
    });
    return params;
  }

  function run() {
    clearTimeout(typingTimer);
    var params = query(), mine = ++seq;
    if (!params.length) { clear(); return; }
    $("search-state").textContent = t("console.search.searching");
    Staff.api("GET", "/api/conversations/search?" + params.join("&")).then(function (data) {
      if (mine !== seq || !state.me) return;
      result = { rows: data.conversations || [], at: Date.now(), shown: true };
      render();
    }, function (err) {
      if (mine !== seq) return;
      result = { rows: [], at: 0, shown: false };
      render();
      $("search-state").textContent = t("console.search.failed", { message: err.message });
    });
  }

  // Typing searches once the words settle, not on every key.
  function typed() {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(run, 350);
  }

  function clear() {
    seq++;
    clearTimeout(typingTimer);
    result = { rows: [], at: 0, shown: false };
    render();
  }

  function render() {
    var ul = $("search-results");
    ul.hidden = !result.shown;
    $("search-clear").hidden = !result.shown;
    $("search-state").textContent = !result.shown ? ""
      : result.rows.length ? t("console.search.found", { count: result.rows.length }) : t("console.search.none");
    DeskLists.repaint(ul, function () {
      result.rows.forEach(function (row) {
        var li = DeskLists.item(row, result.at, "search");
        if (showMatch(row)) li.insertBefore(el("div", "match", row.match), li.querySelector(".conv-clocks"));
        ul.appendChild(li);
      });
      DeskLists.tick();
    });
  }

  function customerSaid(id, text) {
    result.rows.forEach(function (r) { if (r.id === id) r.last_customer_message = String(text).slice(0, 200); });
  }

  // The words found, unless the row already shows them as the customer's last message.
  function showMatch(row) {
    if (!row.match) return false;
    var words = row.match.replace(/^\u2026|\u2026$/g, "");
    return String(row.last_customer_message || "").indexOf(words) < 0;
  }

  // Supervisors look for anyone's conversations; an agent's answers are only ever their own.
  function fillAssignees() {
    var select = $("search-assignee");
    Staff.clear(select);
    [["", t("console.search.anyone")], ["me", t("console.search.me")]].forEach(function (o) {
      var option = el("option", null, o[1]);
      option.value = o[0];
      select.appendChild(option);
    });
    if (!Desk.isSupervisor()) return;
    Staff.api("GET", "/api/agents").then(function (data) {
      (data.agents || []).forEach(function (a) {
        if (state.me && a.username === state.me.username) return;
        var option = el("option", null, a.username);
        option.value = String(a.id);
        select.appendChild(option);
      });
    }, function () {});
  }

  function ready() {
    fillAssignees();
    clear();
  }

  // The next login must not see the last one's results.
  function reset() {
    $("search-form").reset();
    clear();
  }

  function focus() {
    $("search-q").focus();
    $("search-q").select();
  }

  // Once per page.
  function bind() {
    $("search-form").addEventListener("submit", function (e) { e.preventDefault(); run(); });
    $("search-q").addEventListener("input", typed);
    $("search-q").addEventListener("keydown", function (e) {
      if (e.key === "Escape") { $("search-q").value = ""; clear(); $("search-q").blur(); }
    });
    FILTERS.forEach(function (f) { $(f[1]).addEventListener("change", run); });
    $("search-clear").addEventListener("click", function () { reset(); $("search-q").focus(); });
  }

  return { bind: bind, ready: ready, reset: reset, render: render, run: run, focus: focus, customerSaid: customerSaid };
})();
