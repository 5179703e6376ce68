// /audit: knowledge-base versions, conversation status changes, complaint and role changes,
// merged newest first by GET /api/audit. User text goes in through textContent only.
(function () {
  "use strict";
  var el = Staff.el;

  function $(id) { return document.getElementById(id); }

  // The filter's own words for each kind of record.
  function typeLabel(type) {
    return { kb: t("audit.knowledge_base"), conversation: t("audit.conversation_status"), complaint: t("audit.complaints"),
             user: t("audit.users_and_roles") }[type] || type;
  }

  function dayStart(value, plusDays) {
    var p = value.split("-").map(Number);
    return new Date(p[0], p[1] - 1, p[2] + (plusDays || 0)).toISOString();
  }

  function change(before, after) {
    function show(value) {
      if (!value) return "–";
      return Object.keys(value).map(function (k) { return k + ": " + JSON.stringify(value[k]); }).join(", ");
    }
    if (!before && !after) return "";
    return show(before) + " → " + show(after);
  }

  function load() {
    var params = new URLSearchParams({ limit: "200" });
    if ($("filter-type").value) params.set("type", $("filter-type").value);
    if ($("filter-actor").value.trim()) params.set("actor", $("filter-actor").value.trim());
    if ($("filter-from").value) params.set("from", dayStart($("filter-from").value));
    if ($("filter-to").value) params.set("to", dayStart($("filter-to").value, 1));
    $("audit-error").textContent = "";
    return Staff.api("GET", "/api/audit?" + params.toString()).then(function (data) {
      var body = $("audit-table").querySelector("tbody");
      Staff.clear(body);
      $("audit-empty").hidden = data.entries.length > 0;
      var count = { count: data.entries.length };
      $("audit-count").textContent = data.entries.length >= 200 ? t("audit.count.newest", count) : t("audit.count", count);
      data.entries.forEach(function (e) {
        var tr = el("tr");
        tr.dataset.type = e.type;
        tr.appendChild(el("td", "at", Staff.when(e.at)));
        var type = el("td");
        type.appendChild(el("span", "pill " + e.type, typeLabel(e.type)));
        tr.appendChild(type);
        tr.appendChild(el("td", "actor", e.actor));
        tr.appendChild(el("td", "action", e.action));
        tr.appendChild(el("td", "object", e.object_id));
        tr.appendChild(el("td", "summary", e.summary));
        tr.appendChild(el("td", "change", change(e.before, e.after)));
        body.appendChild(tr);
      });
    }, function (e) { $("audit-error").textContent = e.message; });
  }

  function ready() {
    $("audit-filters").addEventListener("submit", function (event) { event.preventDefault(); load(); });
    $("filter-type").addEventListener("change", load);
    load();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Staff.start(function () { return t("staff.nav.audit"); }, ["supervisor", "admin"], ready);
  });
})();
