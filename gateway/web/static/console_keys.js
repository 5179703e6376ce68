/* Keys for working through the queue without the mouse. Outside text fields only: in the reply
 * box "/" opens the canned replies and letters are words. j / k open the next / previous
 * conversation in the queue, c claims the open queued one, / goes to the search box; in any
 * list the arrow keys move between rows and open them. The help line in the desk bar lists them. */
var DeskKeys = (function () {
  "use strict";
  var state = Desk.state, $ = Desk.$;
  var TYPING = { INPUT: true, TEXTAREA: true, SELECT: true };

  function inTextField(node) {
    return !!node && (TYPING[node.tagName] || node.isContentEditable);
  }

  function rowsOf(list) { return Array.prototype.slice.call(list.querySelectorAll("li.conv")); }

  function stepQueue(by) {
    var rows = rowsOf($("queue"));
    if (!rows.length) return;
    var at = -1;
    rows.forEach(function (li, i) { if (li.getAttribute("data-id") === state.selected) at = i; });
    var next = at < 0 ? (by > 0 ? 0 : rows.length - 1) : Math.min(Math.max(at + by, 0), rows.length - 1);
    open($("queue"), rows[next].getAttribute("data-id"));
  }

  function stepList(li, by) {
    var rows = rowsOf(li.parentNode), at = rows.indexOf(li), next = rows[at + by];
    if (!next) return;
    open(li.parentNode, next.getAttribute("data-id"));
  }

  // Selecting repaints the lists, so the row is found again afterwards; focus stays on it, so the
  // next key (and the outline) starts from there.
  function open(list, id) {
    DeskDetail.select(id);
    var li = list.querySelector('li.conv[data-id="' + CSS.escape(id) + '"]');
    if (li) { li.focus(); li.scrollIntoView({ block: "nearest" }); }
  }

  function claim() {
    var button = $("claim");
    // Not before the conversation j just opened has loaded: the one still painted may be another.
    var shown = state.detail && state.detail.id === state.selected;
    if (shown && state.detail.status === "queued" && !button.hidden && !button.disabled) button.click();
  }

  function keydown(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (!state.me || $("app").hidden || document.querySelector("dialog[open]")) return;
    var target = e.target;
    if (inTextField(target)) return;
    var row = target.closest && target.closest("li.conv");
    if (row && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      stepList(row, e.key === "ArrowDown" ? 1 : -1);
      return;
    }
    if (e.key === "j" || e.key === "k") { e.preventDefault(); stepQueue(e.key === "j" ? 1 : -1); }
    else if (e.key === "c") { e.preventDefault(); claim(); }
    else if (e.key === "/") { e.preventDefault(); DeskSearch.focus(); }
  }

  function bind() { document.addEventListener("keydown", keydown); }

  return { bind: bind };
})();
