// The /kb "Unanswered" tab: what customers asked that the bot could not answer, grouped, each
// group one click from a new entry. Text goes in via textContent.
var KbUnanswered = (function () {
  "use strict";
  var el = Staff.el, clear = Staff.clear, api = Staff.api;
  var $ = function (id) { return document.getElementById(id); };

  function setCount(n) {
    var count = $("unanswered-count");
    count.textContent = n;
    if (n) count.removeAttribute("data-zero"); else count.setAttribute("data-zero", "");
  }

  function load() {
    return api("GET", "/api/kb/unanswered").then(function (body) {
      setCount(body.groups.length);
      var list = $("unanswered-list");
      clear(list);
      if (!body.groups.length) list.appendChild(el("div", "card empty", t("kb.unanswered.none")));
      body.groups.forEach(function (group) { list.appendChild(groupCard(group)); });
    }, KbEditor.fail());
  }

  function groupCard(group) {
    var card = el("section", "card group");
    card.dataset.key = group.key;
    var head = el("div", "head");
    head.appendChild(el("span", "times", t("kb.unanswered.times", { count: group.size })));
    head.appendChild(el("h3", null, group.question));
    head.appendChild(el("span", "pill", group.language));
    card.appendChild(head);
    var phrasings = el("ul", "phrasings");
    group.phrasings.forEach(function (p) { phrasings.appendChild(el("li", null, p)); });
    card.appendChild(phrasings);
    var facts = t("kb.unanswered.last_asked", { when: Staff.when(group.last_asked_at) });
    if (group.closest) {
      facts += " · " + t("kb.unanswered.closest", { id: group.closest.id, score: Number(group.closest.score).toFixed(3) });
    }
    card.appendChild(el("p", "muted", facts));

    var actions = el("div", "row");
    var turn = el("button", "turn", t("kb.unanswered.turn"));
    turn.type = "button";
    var dismiss = el("button", "secondary dismiss", t("kb.unanswered.dismiss"));
    dismiss.type = "button";
    actions.appendChild(turn);
    actions.appendChild(dismiss);
    card.appendChild(actions);

    var form = el("div", "convert");
    form.hidden = true;
    var question = field(form, t("kb.question"), "input", group.question);
    var alternates = field(form, t("kb.unanswered.phrasings"), "textarea",
      group.phrasings.filter(function (p) { return p !== group.question; }).join("\n"));
    var answer = field(form, t("kb.answer"), "textarea", "");
    answer.rows = 4;
    answer.className = "answer";
    var buttons = el("div", "row");
    var draft = el("button", "secondary create-draft", t("kb.unanswered.create_draft"));
    var live = el("button", "create-published", t("kb.unanswered.create_published"));
    draft.type = live.type = "button";
    buttons.appendChild(draft);
    buttons.appendChild(live);
    form.appendChild(buttons);
    var error = el("p", "error");
    error.setAttribute("role", "alert");
    form.appendChild(error);
    card.appendChild(form);

    turn.addEventListener("click", function () { form.hidden = false; answer.focus(); });
    dismiss.addEventListener("click", function () {
      api("POST", "/api/kb/unanswered/dismiss", { message_ids: group.message_ids }).then(function () {
        Staff.flash(t("kb.flash.dismissed", { count: group.size }));
        load();
      }, KbEditor.fail(error));
    });
    function create(status) {
      error.textContent = "";
      api("POST", "/api/kb/unanswered/entry", {
        question: question.value.trim(), alternates: KbEditor.lines(alternates.value), answer: answer.value.trim(),
        language: group.language, status: status, message_ids: group.message_ids
      }).then(function (body) {
        var made = { id: body.entry.id };
        Staff.flash(status === "published" ? t("kb.flash.created_published", made) : t("kb.flash.created_draft", made));
        load();
        KbEditor.loadList().then(function () { KbEditor.openEntry(body.entry.id); });
      }, KbEditor.fail(error));
    }
    draft.addEventListener("click", function () { create("draft"); });
    live.addEventListener("click", function () { create("published"); });
    return card;
  }

  function field(parent, label, tag, value) {
    var wrap = el("label", null, label);
    var input = el(tag);
    input.value = value;
    wrap.appendChild(input);
    parent.appendChild(wrap);
    return input;
  }

  // The tab's count, before anyone opens it.
  function count() {
    api("GET", "/api/kb/unanswered").then(function (b) { setCount(b.groups.length); }, function () {});
  }

  return { load: load, count: count };
})();
