// The /kb "Learning" tab: customers' words proposed as alternates, and the pairs of entries
// the knowledge base's self-check found the bot would confuse. Text goes in via textContent.
var KbReview = (function () {
  "use strict";
  var el = Staff.el, clear = Staff.clear, api = Staff.api;
  var $ = function (id) { return document.getElementById(id); };

  function sourceLabel(source) {
    if (source === "clarify") return t("kb.learning.source.clarify");
    return source === "agent" ? t("kb.learning.source.agent") : t("kb.learning.source.helpful");
  }

  function setCount(n) {
    var count = $("learning-count");
    count.textContent = String(n);
    count.classList.toggle("zero", n === 0);
  }

  function loadProposals() {
    return api("GET", "/api/kb/proposals?status=pending").then(function (body) {
      setCount(body.proposals.length);
      var list = $("proposals");
      clear(list);
      if (!body.proposals.length) list.appendChild(el("div", "card empty", t("kb.learning.no_proposals")));
      body.proposals.forEach(function (p) { list.appendChild(proposalCard(p)); });
    }, function (e) { $("learning-error").textContent = e.message; });
  }

  function proposalCard(p) {
    var card = el("div", "card proposal");
    card.dataset.proposal = String(p.id);
    card.appendChild(el("blockquote", "words", p.text));
    var facts = t("kb.learning.for_entry", { id: p.entry_id }) + (p.entry_question ? " · " + p.entry_question : "");
    card.appendChild(el("p", "muted", facts));
    card.appendChild(el("p", "muted", sourceLabel(p.source) + " · " + Staff.when(p.created_at)));
    var row = el("div", "row");
    var approve = el("button", "approve", t("kb.learning.approve"));
    var reject = el("button", "secondary reject", t("kb.learning.reject"));
    row.appendChild(approve);
    row.appendChild(reject);
    card.appendChild(row);
    function decide(action) {
      approve.disabled = reject.disabled = true;
      api("POST", "/api/kb/proposals/" + p.id + "/" + action, {}).then(function () {
        Staff.flash(action === "approve" ? t("kb.learning.approved") : t("kb.learning.rejected"));
        loadProposals();
      }, function (e) {
        approve.disabled = reject.disabled = false;
        $("learning-error").textContent = e.message;
      });
    }
    approve.addEventListener("click", function () { decide("approve"); });
    reject.addEventListener("click", function () { decide("reject"); });
    return card;
  }

  function loadPairs() {
    return Promise.all([api("GET", "/api/kb/confusable"), api("GET", "/api/kb/entries?status=published")])
      .then(function (both) {
        var questions = {};
        both[1].entries.forEach(function (e) { questions[e.id] = e.question; });
        var list = $("confusable");
        clear(list);
        if (!both[0].pairs.length) list.appendChild(el("li", "empty", t("kb.learning.no_pairs")));
        both[0].pairs.forEach(function (pair) {
          var li = el("li", "pair");
          [pair.first, pair.second].forEach(function (id) {
            li.appendChild(el("div", "side", id + " · " + (questions[id] || "")));
          });
          li.appendChild(el("p", "muted", t("kb.learning.pair_detail", {
            phrasing: pair.phrasing, score: Number(pair.confidence).toFixed(2) })));
          list.appendChild(li);
        });
      }, function (e) { $("learning-error").textContent = e.message; });
  }

  function load() {
    $("learning-error").textContent = "";
    return Promise.all([loadProposals(), loadPairs()]);
  }

  return { load: load, count: function () {
    api("GET", "/api/kb/proposals?status=pending").then(function (b) { setCount(b.proposals.length); }, function () {});
  } };
})();
