/* Suggested answers in the context panel: the knowledge-base entries that fit the customer's
 * latest messages, or what the agent searches for. "Insert" puts an answer in the reply box
 * for the agent to edit; the reply then names the entry it came from (entry_id), so the
 * knowledge base learns which answers agents use. */
var DeskSuggestions = (function () {
  "use strict";
  var state = Desk.state, $ = Desk.$, el = Staff.el;
  var SEARCH_DELAY_MS = 300;
  var REFRESH_DELAY_MS = 250;
  var shownFor = null;      // conversation whose suggestions are on screen
  var seq = 0;              // only the newest answer may paint the list
  var timer = null;
  var inserted = null;      // {conversation_id, entry_id}: the reply box's text came from this entry
  var language = null;      // the customer's language, as the server judged it

  function url(id, query) {
    return "/api/conversations/" + encodeURIComponent(id) + "/suggestions" + (query ? "?q=" + encodeURIComponent(query) : "");
  }

  function status(text) { $("sugg-status").textContent = text || ""; }

  function load() {
    var id = state.selected;
    if (!id) return;
    var query = $("sugg-search").value.trim(), mine = ++seq;
    status(t("console.suggest.loading"));
    $("suggestions").setAttribute("aria-busy", "true");
    Staff.api("GET", url(id, query)).then(function (data) {
      if (mine !== seq || id !== state.selected) return;
      $("suggestions").removeAttribute("aria-busy");
      if (!query && data.language) {
        language = data.language;
        DeskCanned.render();
      }
      render(data.suggestions || []);
      status(data.suggestions && data.suggestions.length ? ""
        : query ? t("console.suggest.none_found", { query: query }) : t("console.suggest.none"));
    }, function (err) {
      if (mine !== seq || id !== state.selected) return;
      $("suggestions").removeAttribute("aria-busy");
      Staff.clear($("sugg-list"));
      status(err.code === "warming" ? t("console.suggest.warming") : t("console.suggest.failed", { message: err.message }));
      // The bot finishes loading on its own: ask again rather than leave the panel empty.
      if (err.code === "warming") later(5000);
    });
  }

  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(load, ms);
  }

  function score(s) {
    var node = typeof s === "number"
      ? el("span", "score", s.toFixed(2)) : el("span", "score word", t("console.suggest.word_match"));
    node.title = t("console.suggest.score");
    return node;
  }

  function render(list) {
    var ul = $("sugg-list"), writable = !!(state.detail && Desk.mayWrite(state.detail));
    Staff.clear(ul);
    list.forEach(function (s) {
      var li = el("li", "sugg");
      li.setAttribute("data-entry-id", s.entry_id);
      var head = el("div", "sugg-head");
      head.appendChild(score(s.score));
      var q = el("span", "sugg-q", s.question);
      q.title = s.entry_id;
      head.appendChild(q);
      var insert = el("button", "secondary sugg-insert", t("console.suggest.insert"));
      insert.type = "button";
      insert.disabled = !writable;
      insert.setAttribute("aria-label", t("console.suggest.insert_label", { question: s.question }));
      insert.addEventListener("click", function () { use(s); });
      head.appendChild(insert);
      li.appendChild(head);
      var answer = el("div", "sugg-a", s.answer);
      answer.title = s.answer;
      li.appendChild(answer);
      ul.appendChild(li);
    });
  }

  function use(s) {
    var box = $("reply-text");
    if (box.disabled || !state.selected) return;
    box.value = s.answer;
    inserted = { conversation_id: state.selected, entry_id: s.entry_id };
    box.dispatchEvent(new Event("input"));
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  // DeskDetail.show calls this for every read of the conversation: a new one gets its own
  // suggestions; the same one read again only follows whether the agent may reply now.
  function show(pkg) {
    if (!pkg) {
      shownFor = null;
      seq++;
      clearTimeout(timer);
      Staff.clear($("sugg-list"));
      status("");
      return;
    }
    if (pkg.id !== shownFor) {
      shownFor = pkg.id;
      language = null;
      $("sugg-search").value = "";
      Staff.clear($("sugg-list"));
      clearTimeout(timer);
      load();
      DeskCanned.load();
      return;
    }
    var writable = Desk.mayWrite(pkg);
    Array.prototype.forEach.call($("sugg-list").querySelectorAll("button"), function (b) { b.disabled = !writable; });
  }

  // A new customer message: the suggestions follow what they said last, unless the agent is searching.
  function refresh() {
    if (!state.selected || $("sugg-search").value.trim()) return;
    later(REFRESH_DELAY_MS);
  }

  // The entry the reply box's text came from, for the reply to conversation `id`.
  function entryFor(id) {
    if (!inserted || inserted.conversation_id !== id || !$("reply-text").value.trim()) return null;
    return inserted.entry_id;
  }

  function forget() { inserted = null; }

  function customerLanguage() { return language; }

  $("sugg-search").addEventListener("input", function () { later(SEARCH_DELAY_MS); });
  $("sugg-search").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); later(0); }
  });
  // An emptied box, or another conversation's, holds nothing from a suggestion any more.
  $("reply-text").addEventListener("input", function () {
    if (inserted && (!$("reply-text").value.trim() || inserted.conversation_id !== state.selected)) inserted = null;
  });

  return { show: show, refresh: refresh, entryFor: entryFor, forget: forget, customerLanguage: customerLanguage };
})();
