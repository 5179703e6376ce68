// /quality: draw a random sample of resolved conversations, read each transcript, score it on
// the checklist, and see the figures per agent. User text goes in through textContent only.
(function () {
  "use strict";
  var el = Staff.el, api = Staff.api;
  var current = { sample: null, item: null };

  function $(id) { return document.getElementById(id); }

  function isoDate(d) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }

  // A date input's day as the local midnight that starts it, in UTC ISO form for the API.
  function dayStart(value, plusDays) {
    var p = value.split("-").map(Number);
    return new Date(p[0], p[1] - 1, p[2] + (plusDays || 0)).toISOString();
  }

  function fillScores(select) {
    for (var n = 5; n >= 1; n--) select.appendChild(new Option(String(n), String(n)));
  }

  function loadSamples(selectId) {
    return api("GET", "/api/quality/samples").then(function (data) {
      var select = $("sample-select");
      Staff.clear(select);
      data.samples.forEach(function (s) {
        select.appendChild(new Option(t("quality.sample.option", { id: s.id, when: Staff.when(s.drawn_at),
                                                                 count: s.conversation_ids.length }), String(s.id)));
      });
      if (!data.samples.length) { renderSample(null); return; }
      select.value = String(selectId || data.samples[0].id);
      return loadSample(select.value);
    });
  }

  function loadSample(id) {
    return api("GET", "/api/quality/samples/" + encodeURIComponent(id)).then(renderSample, showError("draw-error"));
  }

  function lastReview(item) {
    var r = item.reviews[item.reviews.length - 1];
    if (!r) return t("quality.not_reviewed");
    var scores = { courtesy: r.courtesy, accuracy: r.accuracy, reviewer: r.reviewer || "?" };
    return r.resolved ? t("quality.last.resolved", scores) : t("quality.last.unresolved", scores);
  }

  function renderSample(sample) {
    current.sample = sample;
    var body = $("sample-items").querySelector("tbody");
    Staff.clear(body);
    $("sample-empty").hidden = !!(sample && sample.items.length);
    $("sample-empty").textContent = sample ? t("quality.sample.none") : t("quality.draw_a_sample_to");
    $("sample-meta").textContent = sample ? t("quality.sample.meta", { from: Staff.when(sample.period_from),
                                                                       to: Staff.when(sample.period_to),
                                                                       seed: sample.seed }) : "";
    if (!sample) return;
    sample.items.forEach(function (item) {
      var tr = el("tr");
      tr.dataset.conversation = item.conversation_id;
      if (current.item && current.item.conversation_id === item.conversation_id) tr.className = "current";
      tr.appendChild(el("td", "conv", item.conversation_id));
      tr.appendChild(el("td", null, item.channel));
      tr.appendChild(el("td", null, Staff.when(item.resolved_at)));
      tr.appendChild(el("td", "agent", item.agent || "–"));
      tr.appendChild(el("td", "num hits" + (item.forbidden_hits ? " flagged" : ""),
        item.forbidden_hits + " / " + item.guard_warnings));
      tr.appendChild(el("td", "last-review", lastReview(item)));
      var cell = el("td");
      var button = el("button", "secondary review-open",
                      item.reviews.length ? t("quality.review_again") : t("quality.review"));
      button.type = "button";
      button.addEventListener("click", function () { openReview(item); });
      cell.appendChild(button);
      tr.appendChild(cell);
      body.appendChild(tr);
    });
  }

  function openReview(item) {
    current.item = item;
    $("quality-columns").classList.add("reviewing");
    $("review-card").hidden = false;
    $("review-title").textContent = item.conversation_id + " · " + (item.agent || t("quality.no_agent"));
    $("review-hits").value = String(item.forbidden_hits);  // pre-filled from the reply guard's log
    $("review-comment").value = "";
    $("review-error").textContent = "";
    Array.prototype.forEach.call($("sample-items").querySelectorAll("tbody tr"), function (tr) {
      tr.className = tr.dataset.conversation === item.conversation_id ? "current" : "";
    });
    var box = $("review-transcript");
    Staff.clear(box);
    box.appendChild(el("p", "muted", t("quality.loading")));
    api("GET", "/api/conversations/" + encodeURIComponent(item.conversation_id)).then(function (context) {
      Staff.clear(box);
      context.transcript.filter(function (m) { return m.conversation_id === item.conversation_id; })
        .forEach(function (m) {
          var div = el("div", "msg");
          div.dataset.sender = m.sender;
          div.appendChild(el("span", "who", I18n.code("console.sender.", m.sender) + (m.agent ? " · " + m.agent : "") + " · " +
                                            Staff.when(m.created_at)));
          div.appendChild(document.createTextNode(m.text));
          box.appendChild(div);
        });
    }, function (e) { Staff.clear(box); box.appendChild(el("p", "error", e.message)); });
  }

  function closeReview() {
    current.item = null;
    $("review-card").hidden = true;
    $("quality-columns").classList.remove("reviewing");
    renderSample(current.sample);
  }

  function loadReport() {
    return api("GET", "/api/quality/report").then(function (data) {
      var body = $("report").querySelector("tbody");
      Staff.clear(body);
      $("report-empty").hidden = data.agents.length > 0;
      data.agents.forEach(function (a) {
        var tr = el("tr");
        tr.dataset.agent = a.agent || "";
        tr.appendChild(el("td", null, a.agent || t("quality.no_agent")));
        tr.appendChild(el("td", "num reviewed", a.reviewed));
        tr.appendChild(el("td", "num courtesy", a.mean_courtesy.toFixed(2)));
        tr.appendChild(el("td", "num accuracy", a.mean_accuracy.toFixed(2)));
        tr.appendChild(el("td", "num resolved", Staff.percent(a.resolved_rate)));
        tr.appendChild(el("td", "num hits", a.forbidden_hits));
        body.appendChild(tr);
      });
    });
  }

  function showError(id) {
    return function (e) { $(id).textContent = e.message || String(e); };
  }

  function ready() {
    var today = new Date();
    $("draw-to").value = isoDate(today);
    $("draw-from").value = isoDate(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 7));
    fillScores($("review-courtesy"));
    fillScores($("review-accuracy"));

    $("draw-form").addEventListener("submit", function (event) {
      event.preventDefault();
      $("draw-error").textContent = "";
      var body = { period_from: dayStart($("draw-from").value), period_to: dayStart($("draw-to").value, 1),
                   size: Number($("draw-size").value) };
      if ($("draw-seed").value.trim()) body.seed = $("draw-seed").value.trim();
      api("POST", "/api/quality/samples", body).then(function (sample) {
        $("draw-result").textContent = t("quality.drawn", { id: sample.id, count: sample.conversation_ids.length,
                                                            population: sample.population, seed: sample.seed });
        closeReview();
        return loadSamples(sample.id);
      }, showError("draw-error"));
    });
    $("sample-select").addEventListener("change", function () { closeReview(); loadSample(this.value); });
    $("review-close").addEventListener("click", closeReview);
    $("review-form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (!current.item) return;
      $("review-error").textContent = "";
      api("POST", "/api/quality/reviews", {
        conversation_id: current.item.conversation_id,
        sample_id: current.sample ? current.sample.id : null,
        courtesy: Number($("review-courtesy").value),
        accuracy: Number($("review-accuracy").value),
        resolved: $("review-resolved").value === "true",
        forbidden_hits: Number($("review-hits").value),
        comment: $("review-comment").value || null
      }).then(function () {
        Staff.flash(t("quality.saved"));
        var id = current.sample.id;
        closeReview();
        return Promise.all([loadSample(id), loadReport()]);
      }, showError("review-error"));
    });
    loadSamples().catch(showError("draw-error"));
    loadReport().catch(showError("draw-error"));
  }

  document.addEventListener("DOMContentLoaded", function () {
    Staff.start(function () { return t("staff.nav.quality"); }, ["supervisor", "admin"], ready);
  });
})();
