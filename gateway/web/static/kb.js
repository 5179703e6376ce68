// The knowledge-base editor. Everything people typed goes in through textContent (Staff.el).
// Its parts: kb_unanswered.js (questions the bot could not answer) and kb_review.js (learning).
var KbEditor = (function () {
  "use strict";
  var el = Staff.el, clear = Staff.clear, api = Staff.api;
  var $ = function (id) { return document.getElementById(id); };
  var current = null;      // the entry being edited, as the server last returned it
  var searchTimer = null;

  // An entry's status in the reader's words (the filter's words too).
  function kbStatus(status) {
    return status === "published" ? t("kb.published") : status === "draft" ? t("kb.draft") : status;
  }

  // -- tabs ---------------------------------------------------------------------------------
  function showTab(name) {
    document.querySelectorAll("#tabs .tab").forEach(function (b) {
      b.setAttribute("aria-selected", String(b.dataset.tab === name));
    });
    document.querySelectorAll(".tab-panel").forEach(function (p) { p.hidden = p.id !== "tab-" + name; });
    if (name === "unanswered") KbUnanswered.load();
    if (name === "learning") KbReview.load();
  }

  function fail(target) {
    return function (e) {
      var text = e.status === 409 ? e.message : (e.message || t("kb.error.unknown"));
      if (target) target.textContent = text;
      Staff.flash(text, "error");
    };
  }

  // -- the list -----------------------------------------------------------------------------
  function loadList() {
    var params = new URLSearchParams();
    if ($("filter-status").value) params.set("status", $("filter-status").value);
    if ($("filter-language").value) params.set("language", $("filter-language").value);
    if ($("search").value.trim()) params.set("q", $("search").value.trim());
    return api("GET", "/api/kb/entries?" + params.toString()).then(function (body) {
      var list = $("entries");
      clear(list);
      body.entries.forEach(function (entry) {
        var li = el("li");
        li.dataset.id = entry.id;
        // A button, so the keyboard opens entries too; the open entry is the list's aria-current.
        var pick = el("button", "pick");
        pick.type = "button";
        pick.setAttribute("aria-current", String(!!current && current.id === entry.id));
        pick.appendChild(el("span", "q", entry.question));
        var meta = el("span", "meta");
        meta.appendChild(el("span", "pill " + entry.status, kbStatus(entry.status)));
        meta.appendChild(document.createTextNode(entry.language + " · " + entry.id + " · v" + entry.version));
        pick.appendChild(meta);
        li.appendChild(pick);
        li.addEventListener("click", function () { openEntry(entry.id); });
        list.appendChild(li);
      });
      var count = { count: body.entries.length };
      $("list-count").textContent = body.entries.length === 1 ? t("kb.count.one", count) : t("kb.count.many", count);
    }, fail());
  }

  // -- one entry ----------------------------------------------------------------------------
  function lines(text) { return text.split("\n").map(function (s) { return s.trim(); }).filter(Boolean); }

  function formEntry(status) {
    var entry = {
      question: $("entry-question").value.trim(),
      alternates: lines($("entry-alternates").value),
      answer: $("entry-answer").value.trim(),
      tags: $("entry-tags").value.split(",").map(function (s) { return s.trim(); }).filter(Boolean),
      status: status
    };
    if ($("entry-language").value) entry.language = $("entry-language").value;
    if (!current && $("entry-id").value.trim()) entry.id = $("entry-id").value.trim();
    return entry;
  }

  function dirty() {
    if (!current) return true;
    var form = formEntry(current.status);
    return form.question !== current.question || form.answer !== current.answer ||
      form.alternates.join("\n") !== current.alternates.join("\n") || form.tags.join(",") !== current.tags.join(",") ||
      (form.language || current.language) !== current.language;
  }

  function fill(entry) {
    current = entry;
    $("entry-title").textContent = entry ? entry.question : t("kb.new_entry");
    $("entry-id").value = entry ? entry.id : "";
    $("entry-id").disabled = !!entry;
    $("entry-language").value = entry ? entry.language : "";
    $("entry-question").value = entry ? entry.question : "";
    $("entry-alternates").value = entry ? entry.alternates.join("\n") : "";
    $("entry-answer").value = entry ? entry.answer : "";
    $("entry-tags").value = entry ? entry.tags.join(", ") : "";
    var pill = $("entry-status");
    pill.className = "pill " + (entry ? entry.status : "");
    pill.textContent = entry ? kbStatus(entry.status) : "";
    pill.hidden = !entry;
    $("entry-version").textContent = entry ? t("kb.entry.version", { version: entry.version,
                                                                    when: Staff.when(entry.updated_at) }) : "";
    $("unpublish").hidden = !entry || entry.status !== "published";
    $("delete").hidden = !entry;
    $("entry-error").textContent = "";
    $("diff-view").hidden = true;
    $("history-block").hidden = !entry;
    document.querySelectorAll("#entries li").forEach(function (li) {
      li.firstChild.setAttribute("aria-current", String(!!entry && li.dataset.id === entry.id));
    });
    if (entry) loadHistory(entry.id);
  }

  function openEntry(id) {
    showTab("entry");
    return api("GET", "/api/kb/entries/" + encodeURIComponent(id)).then(fill, fail($("entry-error")));
  }

  function saved(entry, what) {
    fill(entry);
    Staff.flash(t("kb.flash.saved", { what: what, id: entry.id, version: entry.version }));
    return loadList();
  }

  function save(status) {
    $("entry-error").textContent = "";
    var body = formEntry(status);
    var call = current
      ? api("PUT", "/api/kb/entries/" + encodeURIComponent(current.id), Object.assign(body, { version: current.version }))
      : api("POST", "/api/kb/entries", body);
    return call.then(function (entry) {
      saved(entry, status === "published" ? t("kb.flash.published") : t("kb.flash.drafted"));
    }, fail($("entry-error")));
  }

  function setStatus(action) {
    return api("POST", "/api/kb/entries/" + encodeURIComponent(current.id) + "/" + action, { version: current.version })
      .then(function (entry) {
        saved(entry, action === "publish" ? t("kb.flash.published") : t("kb.flash.unpublished"));
      }, fail($("entry-error")));
  }

  function publish() {
    // Unchanged text: publish as it stands (no new text to check); changed: save it published.
    if (current && !dirty() && current.status === "draft") return setStatus("publish");
    return save("published");
  }

  function remove() {
    if (!current || !window.confirm(t("kb.confirm_delete", { id: current.id }))) return;
    api("DELETE", "/api/kb/entries/" + encodeURIComponent(current.id) + "?version=" + current.version).then(function () {
      Staff.flash(t("kb.flash.deleted", { id: current.id }));
      fill(null);
      loadList();
    }, fail($("entry-error")));
  }

  // -- history, diff, rollback ----------------------------------------------------------------
  function loadHistory(id) {
    return api("GET", "/api/kb/entries/" + encodeURIComponent(id) + "/history").then(function (body) {
      var tbody = $("history").querySelector("tbody");
      clear(tbody);
      body.versions.slice().reverse().forEach(function (v) {
        var tr = el("tr");
        tr.dataset.version = v.version;
        tr.appendChild(el("td", "num", v.version));
        tr.appendChild(el("td", null, I18n.code("kb.history.", v.action)));
        tr.appendChild(el("td", null, v.author));
        tr.appendChild(el("td", null, Staff.when(v.created_at)));
        var cell = el("td");
        if (v.version > 1) {
          var diff = el("button", "secondary diff-prev", t("kb.history.changes"));
          diff.type = "button";
          diff.title = t("kb.history.changes.title", { version: v.version - 1 });
          diff.addEventListener("click", function () { showDiff(id, v.version - 1, v.version); });
          cell.appendChild(diff);
        }
        if (current && v.version < current.version) {
          var back = el("button", "secondary rollback", t("kb.history.roll_back"));
          back.type = "button";
          back.addEventListener("click", function () { rollback(v.version); });
          cell.appendChild(back);
        }
        tr.appendChild(cell);
        tbody.appendChild(tr);
      });
    }, fail());
  }

  function showDiff(id, from, to) {
    return api("GET", "/api/kb/entries/" + encodeURIComponent(id) + "/diff?from=" + from + "&to=" + to).then(function (body) {
      var box = $("diff-view");
      clear(box);
      box.appendChild(el("h4", null, t("kb.diff.title", { from: from, to: to })));
      if (!body.changes.length) box.appendChild(el("p", "muted", t("kb.diff.none")));
      body.changes.forEach(function (change) {
        var row = el("div", "field");
        row.dataset.field = change.field;
        row.appendChild(el("span", "name", change.field));
        var text = el("div", "text");
        if (change.ops) {
          change.ops.forEach(function (op) {
            text.appendChild(op.op === "equal" ? document.createTextNode(op.text) : el(op.op === "insert" ? "ins" : "del", null, op.text));
          });
        } else if (change.added) {
          change.removed.forEach(function (x) { text.appendChild(el("del", null, x)); text.appendChild(document.createTextNode(" ")); });
          change.added.forEach(function (x) { text.appendChild(el("ins", null, x)); text.appendChild(document.createTextNode(" ")); });
        } else {
          text.appendChild(el("del", null, change.before));
          text.appendChild(document.createTextNode(" → "));
          text.appendChild(el("ins", null, change.after));
        }
        row.appendChild(text);
        box.appendChild(row);
      });
      box.hidden = false;
    }, fail());
  }

  function rollback(version) {
    return api("POST", "/api/kb/entries/" + encodeURIComponent(current.id) + "/rollback",
      { version: current.version, to_version: version })
      .then(function (entry) { saved(entry, t("kb.flash.rolled_back", { version: version })); }, fail($("entry-error")));
  }

  // -- try a question -------------------------------------------------------------------------
  function tryQuestion(event) {
    event.preventDefault();
    var text = $("try-text").value.trim();
    $("try-error").textContent = "";
    if (!text) return;
    api("POST", "/api/kb/search", { text: text, top_k: 10 }).then(function (body) {
      $("try-result").hidden = false;
      var pill = $("try-decision");
      pill.className = "pill " + body.decision;
      pill.textContent = I18n.code("kb.decision.", body.decision) + (body.code ? " · " + body.code : "");
      $("try-reason").textContent = body.reason || "";
      $("try-answer").hidden = !body.answer;
      $("try-answer").textContent = body.answer || "";
      var tbody = $("try-results").querySelector("tbody");
      clear(tbody);
      body.results.forEach(function (r, i) {
        var tr = el("tr");
        tr.dataset.id = r.id;
        if (r.id === body.entry_id) tr.className = "chosen";
        tr.appendChild(el("td", "num", i + 1));
        tr.appendChild(el("td", null, r.id));
        tr.appendChild(el("td", null, r.question));
        var score = el("td", "num score");
        var bar = el("span", "bar");
        bar.style.width = Math.round(Math.max(0, Math.min(1, r.score)) * 60) + "px";
        score.appendChild(bar);
        score.appendChild(document.createTextNode(r.score.toFixed(3)));
        tr.appendChild(score);
        tr.addEventListener("click", function () { openEntry(r.id); });
        tbody.appendChild(tr);
      });
    }, fail($("try-error")));
  }

  // -- import / export ------------------------------------------------------------------------
  var EXTENSIONS = { json: "json", jsonl: "jsonl", yaml: "yaml", yml: "yaml", csv: "csv", md: "markdown" };

  function exportLink() {
    var params = new URLSearchParams({ format: $("export-format").value });
    if ($("export-status").value) params.set("status", $("export-status").value);
    $("export-link").href = "/api/kb/export?" + params.toString();
  }

  function importFile() {
    var file = $("import-file").files[0];
    var result = $("import-result"), problems = $("import-problems");
    result.textContent = "";
    result.className = "";
    clear(problems);
    if (!file) { result.textContent = t("kb.import.no_file"); result.className = "error"; return; }
    var format = $("import-format").value || EXTENSIONS[(file.name.split(".").pop() || "").toLowerCase()];
    if (!format) { result.textContent = t("kb.import.no_format"); result.className = "error"; return; }
    file.text().then(function (content) {
      // Not Staff.api: an import error carries the list of problems, which it does not pass on.
      return fetch("/api/kb/import", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": Staff.csrfToken() },
        body: JSON.stringify({ format: format, content: content, publish: $("import-publish").checked })
      }).then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) return data;
          var error = data.error || {};
          throw { message: error.message, problems: error.problems || error.details || [] };
        });
      });
    }).then(function (report) {
      result.className = "ok";
      result.textContent = t("kb.import.done", { created: report.created, updated: report.updated,
                                                 unchanged: report.unchanged });
      loadList();
    }, function (e) {
      result.className = "error";
      result.textContent = e.message || t("kb.import.failed");
      (e.problems || []).forEach(function (p) {
        problems.appendChild(el("li", null, (p.location ? p.location + " · " : "") + p.field + ": " + p.message));
      });
    });
  }

  // -- start --------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", function () {
    Staff.start(function () { return t("staff.nav.kb"); }, ["editor", "admin"], function () {
      document.querySelectorAll("#tabs .tab").forEach(function (b) {
        b.addEventListener("click", function () { showTab(b.dataset.tab); });
      });
      $("search").addEventListener("input", function () {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(loadList, 200);
      });
      $("filter-status").addEventListener("change", loadList);
      $("filter-language").addEventListener("change", loadList);
      $("new-entry").addEventListener("click", function () { fill(null); showTab("entry"); $("entry-question").focus(); });
      $("save-draft").addEventListener("click", function () { save("draft"); });
      $("publish").addEventListener("click", publish);
      $("unpublish").addEventListener("click", function () { setStatus("unpublish"); });
      $("delete").addEventListener("click", remove);
      $("entry-form").addEventListener("submit", function (e) { e.preventDefault(); });
      $("try-form").addEventListener("submit", tryQuestion);
      $("unanswered-refresh").addEventListener("click", KbUnanswered.load);
      $("export-format").addEventListener("change", exportLink);
      $("export-status").addEventListener("change", exportLink);
      $("import-go").addEventListener("click", importFile);
      exportLink();
      fill(null);
      showTab("entry");
      loadList();
      KbUnanswered.count();
      KbReview.count();
    });
  });

  return { fail: fail, lines: lines, loadList: loadList, openEntry: openEntry };
})();
