/* The lists on the left (queue, mine, and for supervisors all open) and their running clocks. */
var DeskLists = (function () {
  "use strict";
  var state = Desk.state, $ = Desk.$, el = Staff.el;
  var NAMES = ["queue", "mine", "open"];
  var refreshTimer = null;

  function set(name, rows) {
    state.lists[name] = { rows: rows, at: Date.now() };
    render(name);
  }

  function has(name, id) { return state.lists[name].rows.some(function (r) { return r.id === id; }); }

  // A customer's newest words show in every list that holds their conversation.
  function customerSaid(id, text) {
    NAMES.forEach(function (name) {
      state.lists[name].rows.forEach(function (r) { if (r.id === id) r.last_customer_message = String(text).slice(0, 200); });
    });
    DeskSearch.customerSaid(id, text);
    renderAll();
  }

  function refreshMine() {
    Staff.api("GET", "/api/conversations?status=mine").then(function (data) { set("mine", data.conversations); },
                                                            function () {});
  }

  function refreshOpen() {
    if (!Desk.isSupervisor()) return;
    Staff.api("GET", "/api/conversations?status=open").then(function (data) { set("open", data.conversations); },
                                                            function () {});
  }

  function refreshSoon() {  // many events arrive together; one request answers them all
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshOpen, 300);
  }

  // The search results show which row is open too (console_search.js, loaded after this).
  function renderAll() {
    NAMES.forEach(render);
    DeskSearch.render();
  }

  function render(name) {
    var list = state.lists[name], ul = $(name);
    $(name + "-count").textContent = String(list.rows.length);
    repaint(ul, function () {
      if (!list.rows.length) {
        ul.appendChild(el("li", "none", name === "queue" ? t("console.queue.none") : t("console.list.none")));
        return;
      }
      list.rows.forEach(function (row) { ul.appendChild(item(row, list.at, name)); });
      tick();
    });
  }

  // Lists are drawn anew on every change; a keyboard user on a row stays on that row.
  function repaint(ul, paint) {
    var focused = document.activeElement;
    var onRow = focused && focused.parentNode === ul && focused.classList.contains("conv");
    var id = onRow ? focused.getAttribute("data-id") : null;
    Staff.clear(ul);
    paint();
    var again = id && ul.querySelector('li.conv[data-id="' + CSS.escape(id) + '"]');
    if (again) again.focus();
  }

  function chip(className, text, attribute, value) {
    var node = el("span", "chip " + className, text);
    if (attribute) node.setAttribute(attribute, value);
    return node;
  }

  function item(row, at, listName) {
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
    top.appendChild(chip("channel", row.channel));
    if (h.kind) top.appendChild(chip("kind", I18n.code("console.kind.", h.kind), "data-kind", h.kind));
    if (h.category) top.appendChild(chip("category", I18n.code("complaint.category.", h.category)));
    if (h.severity) {
      top.appendChild(chip("severity", I18n.code("complaint.severity.", h.severity), "data-severity", h.severity));
    }
    if (listName !== "queue" && row.status) top.appendChild(chip("status", I18n.code("console.status.", row.status)));
    li.appendChild(top);

    li.appendChild(el("div", "conv-text", row.last_customer_message || t("console.list.no_message")));

    var clocks = el("div", "conv-clocks");
    if (row.waiting_seconds !== undefined) clocks.appendChild(el("span", "wait"));
    if (row.sla_seconds_left !== undefined) clocks.appendChild(el("span", "sla"));
    if (row.assignee) clocks.appendChild(el("span", "assignee", "→ " + row.assignee));
    li.appendChild(clocks);

    function open() { DeskDetail.select(row.id); }
    li.addEventListener("click", open);
    li.addEventListener("keydown", function (e) { if (e.key === "Enter") open(); });
    return li;
  }

  // The first-response clock as the server last counted it, run on since the list arrived.
  function slaState(row, at) {
    var h = row.handoff || {};
    if (row.sla_seconds_left === undefined) return null;
    if (h.first_response_at) return { text: t("console.sla.answered"), cls: "answered", left: null };
    var left = row.sla_seconds_left - (Date.now() - at) / 1000;
    if (left < 0 || h.breached_at) {
      return { text: t("console.sla.breached", { time: Desk.duration(-Math.min(left, 0)) }), cls: "breached", left: left };
    }
    return { text: t("console.sla.left", { time: Desk.duration(left) }), cls: left < 120 ? "soon" : "ok", left: left };
  }

  // Every clock on the page: the lists' waits and SLAs, and the context panel's due times.
  function tick() {
    var items = document.querySelectorAll("li.conv");
    for (var i = 0; i < items.length; i++) {
      var li = items[i], row = li.csRow, at = li.csAt;
      if (!row) continue;
      var elapsed = (Date.now() - at) / 1000;
      var wait = li.querySelector(".wait");
      if (wait) {
        var waited = { time: Desk.duration(row.waiting_seconds + elapsed) };
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
      var left = (Desk.parseTime(dues[j].getAttribute("data-due")) - Date.now()) / 1000;
      dues[j].textContent = left >= 0 ? t("console.due.in", { time: Desk.duration(left) })
                                      : t("console.due.overdue", { time: Desk.duration(-left) });
      dues[j].classList.toggle("overdue", left < 0);
    }
  }
  setInterval(tick, 500);  // twice a second, so a late timer never skips a second on screen

  return { set: set, has: has, customerSaid: customerSaid, refreshMine: refreshMine, refreshOpen: refreshOpen,
           refreshSoon: refreshSoon, renderAll: renderAll, tick: tick, item: item, repaint: repaint };
})();
