/* Canned replies, the supervisors' ready-made words (/canned): a few buttons for the
 * customer's language above the reply box, and the "/" picker in it. Typing "/" at the start
 * or after a space opens a listbox filtered by shortcut and title; arrows move, Enter inserts,
 * Escape closes. Placeholders are filled as the reply goes into the box, so the agent sees
 * and can edit exactly what the customer will read. */
var DeskCanned = (function () {
  "use strict";
  var state = Desk.state, $ = Desk.$, el = Staff.el;
  var BUTTONS = 5;
  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  var TOKEN = /(^|\s)\/([^\s\/]*)$/;
  var replies = [];
  // The open picker: where its "/" is in the box, what follows it, the matches, the highlighted one.
  var picker = null;
  var dismissed = -1;  // the "/" the agent closed the picker on, so typing on does not reopen it

  // At login and for every conversation opened, so a reply a supervisor just added is there.
  function load() {
    render();
    Staff.api("GET", "/api/canned-replies").then(function (data) {
      replies = data.canned_replies || [];
      render();
    }, function (err) {
      Staff.flash(t("console.canned.failed", { message: err.message }), "error");
    });
  }

  // The customer's language: as the server judged it for the suggestions, else from what they
  // wrote last, else the agent's own.
  function language() {
    var known = DeskSuggestions.customerLanguage();
    if (known) return known;
    var said = ((state.detail && state.detail.transcript) || []).filter(function (m) { return m.sender === "customer"; });
    if (said.length) return CJK.test(said[said.length - 1].text || "") ? "zh" : "en";
    return state.me && /^zh/.test(state.me.language || "") ? "zh" : "en";
  }

  // Whole minutes since the hand-off: the list row's clock runs on from when the list arrived.
  function waitedMinutes() {
    var seconds = null;
    ["mine", "queue", "open"].forEach(function (name) {
      var list = state.lists[name];
      list.rows.forEach(function (r) {
        if (seconds === null && r.id === state.selected && typeof r.waiting_seconds === "number") {
          seconds = r.waiting_seconds + (Date.now() - list.at) / 1000;
        }
      });
    });
    if (seconds === null && state.detail && typeof state.detail.waiting_seconds === "number") {
      seconds = state.detail.waiting_seconds;
    }
    return Math.max(0, Math.floor((seconds || 0) / 60));
  }

  function fill(text) {
    var fields = { agent_name: state.me ? state.me.username : "", customer_wait: String(waitedMinutes()) };
    return String(text).replace(/\{(agent_name|customer_wait)\}/g, function (whole, name) { return fields[name]; });
  }

  function writable() { return !!(state.detail && Desk.mayWrite(state.detail)); }

  // -- the buttons ----------------------------------------------------------------------------
  function render() {
    var box = $("canned"), lang = language();
    Staff.clear(box);
    replies.filter(function (r) { return r.language === lang; }).slice(0, BUTTONS).forEach(function (r) {
      var b = el("button", null, r.title);
      b.type = "button";
      b.title = "/" + r.shortcut + " · " + r.text;
      b.setAttribute("data-shortcut", r.shortcut);
      b.disabled = !writable();
      b.addEventListener("click", function () {
        var reply = $("reply-text");
        reply.value = fill(r.text);
        reply.dispatchEvent(new Event("input"));
        reply.focus();
      });
      box.appendChild(b);
    });
  }

  // -- the picker -----------------------------------------------------------------------------
  function matches(query) {
    var q = query.toLowerCase(), lang = language();
    function rank(r) {
      return (r.language === lang ? 0 : 2) + (r.shortcut.toLowerCase().indexOf(q) === 0 ? 0 : 1);
    }
    return replies.filter(function (r) {
      return r.shortcut.toLowerCase().indexOf(q) === 0 || r.title.toLowerCase().indexOf(q) >= 0;
    }).sort(function (a, b) {
      return rank(a) - rank(b) || (a.shortcut < b.shortcut ? -1 : a.shortcut > b.shortcut ? 1 : 0);
    });
  }

  function token() {
    var box = $("reply-text");
    if (box.disabled || box.selectionStart !== box.selectionEnd) return null;
    var before = box.value.slice(0, box.selectionStart), m = TOKEN.exec(before);
    if (!m) return null;
    return { start: before.length - m[2].length - 1, end: before.length, query: m[2] };
  }

  function follow() {
    var found = token();
    if (!found || !replies.length || found.start === dismissed) {
      if (!found || found.start !== dismissed) dismissed = -1;
      close();
      return;
    }
    dismissed = -1;
    var list = matches(found.query), keep = picker && picker.list[picker.active];
    var active = keep ? list.indexOf(keep) : -1;
    picker = { start: found.start, end: found.end, query: found.query, list: list, active: active < 0 ? 0 : active };
    draw();
  }

  function draw() {
    var ul = $("canned-picker"), box = $("reply-text"), none = $("canned-picker-none");
    Staff.clear(ul);
    ul.setAttribute("aria-label", t("console.canned.picker", { query: "/" + picker.query }));
    picker.list.forEach(function (r, i) {
      var li = el("li", "canned-option");
      li.id = "canned-option-" + r.id;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === picker.active ? "true" : "false");
      li.setAttribute("lang", r.language === "zh" ? "zh-CN" : "en");
      li.appendChild(el("span", "canned-shortcut", "/" + r.shortcut));
      li.appendChild(el("span", "canned-title", r.title));
      li.appendChild(el("span", "chip canned-lang", r.language));
      li.appendChild(el("span", "canned-text", fill(r.text)));
      // A press would take the focus from the reply box and close the picker before the click.
      li.addEventListener("mousedown", function (e) { e.preventDefault(); });
      li.addEventListener("click", function () { insert(r); });
      ul.appendChild(li);
    });
    ul.hidden = !picker.list.length;
    none.hidden = !!picker.list.length;
    none.textContent = picker.list.length ? "" : t("console.canned.none", { query: picker.query });
    var current = picker.list[picker.active];
    if (current) {
      box.setAttribute("aria-activedescendant", "canned-option-" + current.id);
      var node = $("canned-option-" + current.id);
      if (node.scrollIntoView) node.scrollIntoView({ block: "nearest" });
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }

  function close() {
    picker = null;
    $("canned-picker").hidden = true;
    $("canned-picker-none").hidden = true;
    $("reply-text").removeAttribute("aria-activedescendant");
  }

  function move(step) {
    if (!picker.list.length) return;
    picker.active = (picker.active + step + picker.list.length) % picker.list.length;
    draw();
  }

  function insert(r) {
    var box = $("reply-text"), words = fill(r.text);
    box.value = box.value.slice(0, picker.start) + words + box.value.slice(picker.end);
    var caret = picker.start + words.length;
    close();
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input"));
  }

  // On the form, capturing: it runs before the reply box's own Enter-sends handler, which
  // must not see the keys the open picker uses.
  function keydown(e) {
    if (!picker || e.target !== $("reply-text") || e.isComposing) return;
    var used = true;
    if (e.key === "ArrowDown") move(1);
    else if (e.key === "ArrowUp") move(-1);
    else if (e.key === "Enter" && !e.shiftKey) {
      var chosen = picker.list[picker.active];
      if (chosen) insert(chosen);
    } else if (e.key === "Escape") {
      dismissed = picker.start;
      close();
    } else used = false;
    if (used) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  $("reply-form").addEventListener("keydown", keydown, true);
  $("reply-text").addEventListener("input", follow);
  $("reply-text").addEventListener("click", follow);
  $("reply-text").addEventListener("blur", close);

  return { load: load, render: render, fill: fill };
})();
