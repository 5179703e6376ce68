// The /reports page: the period's KPIs as tiles, three Chart.js charts, tables with CSV
// export, and the Erlang C staffing calculator pre-filled from what the period saw.
// Every figure comes from /api/reports; text goes in through textContent only.
(function () {
  "use strict";
  var el = Staff.el, percent = Staff.percent;
  var CHANNEL_COLOURS = { web: "#0b6e4f", telegram: "#2a7fd4" };
  var SEVERITY_COLOURS = { ordinary: "#e0a100", major: "#b3261e" };
  var charts = {};
  var report = null;

  // Staff.seconds reads well up to an hour; a conversation left open for days needs days.
  function seconds(value) {
    if (value === null || value === undefined) return "–";
    var s = Math.round(value);
    if (s < 3600) return s % 60 === 0 && s >= 60 ? t("reports.minutes", { m: s / 60 }) : Staff.seconds(s);
    if (s < 86400) return t("reports.hours_minutes", { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
    return t("reports.days_hours", { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
  }
  function $(id) { return document.getElementById(id); }
  function colour(name, i) { return CHANNEL_COLOURS[name] || ["#7a5ea8", "#8a5a00", "#5c6b64"][i % 3]; }
  function pct(value) { return value === null || value === undefined ? null : Math.round(value * 1000) / 10; }
  function isoDay(date) { return date.toISOString().slice(0, 10); }
  function query() { return "from=" + encodeURIComponent($("period-from").value) + "&to=" + encodeURIComponent($("period-to").value); }
  function fraction(part, whole) { return whole ? part + " / " + whole : t("reports.none_yet"); }

  // Reads ?from=&to= so a period can be linked; the last 7 days (UTC) otherwise.
  function initialPeriod() {
    var params = new URLSearchParams(location.search);
    var to = params.get("to") || isoDay(new Date());
    var from = params.get("from") || isoDay(new Date(Date.parse(to + "T00:00:00Z") - 6 * 86400000));
    $("period-from").value = from;
    $("period-to").value = to;
  }

  function load() {
    $("report-error").textContent = "";
    history.replaceState(null, "", location.pathname + "?" + query());
    return Staff.api("GET", "/api/reports?" + query()).then(render, function (e) {
      $("report-error").textContent = e.message || t("reports.error.load");
    });
  }

  function render(data) {
    report = data;
    $("period-note").textContent = t("reports.period", { from: data.period.from, to: data.period.to });
    ["summary", "frt_histogram", "complaints", "channels", "agents", "complaint_clocks"].forEach(function (table) {
      var link = $("csv-" + table);
      if (link) link.href = "/api/reports/" + table + ".csv?" + query();
    });
    renderKpis(data);
    renderCharts(data);
    renderTables(data);
    prefillStaffing(data);
  }

  // -- tiles ------------------------------------------------------------------------------
  function tile(label, value, detail, target, actual) {
    var box = el("div", "kpi");
    if (target !== undefined && actual !== null && actual !== undefined) box.classList.add(actual >= target ? "good" : "bad");
    box.appendChild(el("div", "label", label));
    box.appendChild(el("div", "value", value));
    box.appendChild(el("div", "detail", detail));
    return box;
  }

  function renderKpis(data) {
    var s = data.summary, goal = data.targets, box = $("kpis");
    var clocks = data.complaint_clocks.reduce(function (acc, c) {
      acc.met += c.clocks_met; acc.decided += c.clocks_decided; return acc;
    }, { met: 0, decided: 0 });
    var complaints = data.complaints.reduce(function (n, c) { return n + c.complaints; }, 0);
    Staff.clear(box);
    box.appendChild(tile(t("reports.kpi.handoffs"), String(s.handoffs), t("reports.kpi.answered", { count: s.answered })));
    box.appendChild(tile(t("reports.kpi.frt"), seconds(s.frt_median_seconds),
      t("reports.kpi.p90", { time: seconds(s.frt_p90_seconds) })));
    box.appendChild(tile(t("reports.kpi.sla"), percent(s.sla_compliance),
      t("reports.kpi.within", { share: fraction(s.sla_met, s.sla_decided), time: seconds(goal.sla_seconds) })));
    box.appendChild(tile(t("reports.kpi.fcr"), percent(s.fcr),
      t("reports.kpi.target", { share: fraction(s.fcr_first_time, s.fcr_decided), target: percent(goal.fcr) }),
      goal.fcr, s.fcr));
    box.appendChild(tile(t("reports.kpi.csat"), percent(s.csat),
      t("reports.kpi.target", { share: fraction(s.csat_satisfied, s.csat_responses), target: percent(goal.csat) }),
      goal.csat, s.csat));
    box.appendChild(tile(t("reports.kpi.handoff_rate"), percent(s.handoff_rate),
      t("reports.kpi.conversations", { share: fraction(s.handed_off, s.conversations) })));
    box.appendChild(tile(t("reports.kpi.containment"), percent(s.containment),
      t("reports.kpi.conversations", { share: fraction(s.bot_contained, s.conversations) })));
    box.appendChild(tile(t("reports.complaints"), String(complaints),
      t("reports.kpi.clocks_met", { rate: percent(clocks.decided ? clocks.met / clocks.decided : null) })));
  }

  // -- charts -----------------------------------------------------------------------------
  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } }, config.options || {});
    charts[id] = new Chart($(id), config);
  }

  function renderCharts(data) {
    draw("chart-frt", {
      type: "bar",
      // The server's bucket labels ("5–10 min") with the unit in the reader's language.
      data: { labels: data.frt_buckets.map(function (b) { return b.replace("min", t("reports.unit.min")); }), datasets: data.by_channel.map(function (c, i) {
        return { label: c.channel, data: c.frt_histogram, backgroundColor: colour(c.channel, i) };
      }) },
      options: { scales: { x: { stacked: true, ticks: { maxRotation: 45, minRotation: 45, font: { size: 10 } } },
                           y: { stacked: true, beginAtZero: true, ticks: { precision: 0 },
                                title: { display: true, text: t("reports.chart.handoffs") } } } }
    });
    var rates = [[t("reports.col.sla"), "sla_compliance"], [t("reports.col.fcr"), "fcr"], [t("reports.col.csat"), "csat"],
                 [t("reports.chart.handoff"), "handoff_rate"], [t("reports.col.contained"), "containment"]];
    draw("chart-rates", {
      type: "bar",
      data: { labels: rates.map(function (r) { return r[0]; }), datasets: data.by_channel.map(function (c, i) {
        return { label: c.channel, backgroundColor: colour(c.channel, i),
                 data: rates.map(function (r) { return pct(c[r[1]]); }) };
      }) },
      options: { scales: { y: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + " %"; } } } } }
    });
    var categories = [], severities = [];
    data.complaints.forEach(function (c) {
      if (categories.indexOf(c.category) < 0) categories.push(c.category);
      if (severities.indexOf(c.severity) < 0) severities.push(c.severity);
    });
    draw("chart-complaints", {
      type: "bar",
      data: { labels: categories.map(categoryLabel), datasets: severities.map(function (sev, i) {
        return { label: severityLabel(sev), backgroundColor: SEVERITY_COLOURS[sev] || colour("", i), data: categories.map(function (cat) {
          var row = data.complaints.filter(function (c) { return c.category === cat && c.severity === sev; })[0];
          return row ? row.complaints : 0;
        }) };
      }) },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  // -- tables -----------------------------------------------------------------------------
  function rateCell(value, target) {
    var td = el("td", "num", percent(value));
    if (target !== undefined && value !== null && value !== undefined) td.classList.add(value >= target ? "good" : "bad");
    return td;
  }

  function table(id, headers, rows, cells) {
    var node = $(id);
    Staff.clear(node);
    var head = el("tr");
    headers.forEach(function (h) { head.appendChild(el("th", h[1] ? "num" : null, h[0])); });
    node.appendChild(el("thead")).appendChild(head);
    var body = node.appendChild(el("tbody"));
    if (!rows.length) {
      var empty = el("td", "muted", t("reports.empty"));
      empty.colSpan = headers.length;
      body.appendChild(el("tr")).appendChild(empty);
    }
    rows.forEach(function (row) {
      var tr = el("tr");
      cells(row).forEach(function (cell) { tr.appendChild(cell); });
      body.appendChild(tr);
    });
  }

  function handoffCells(r, goal) {
    return [el("td", "num", r.handoffs), el("td", "num", r.answered), el("td", "num", seconds(r.frt_median_seconds)),
            el("td", "num", seconds(r.frt_p90_seconds)), rateCell(r.sla_compliance), rateCell(r.fcr, goal.fcr),
            rateCell(r.csat, goal.csat), el("td", "num", seconds(r.aht_seconds))];
  }

  function handoffHeaders() {
    return [[t("reports.kpi.handoffs"), 1], [t("reports.col.answered"), 1], [t("reports.col.frt_median"), 1],
            [t("reports.col.frt_p90"), 1], [t("reports.col.sla"), 1], [t("reports.col.fcr"), 1], [t("reports.col.csat"), 1],
            [t("reports.col.handle_time"), 1]];
  }

  function categoryLabel(code) { return I18n.code("complaint.category.", code); }
  function severityLabel(code) { return I18n.code("complaint.severity.", code); }
  function clockLabel(code) { return I18n.code("complaint.clock.", code); }

  function renderTables(data) {
    var goal = data.targets;
    table("table-channels", [[t("reports.col.channel")]].concat(handoffHeaders(), [[t("reports.col.conversations"), 1],
      [t("reports.kpi.handoff_rate"), 1], [t("reports.col.contained"), 1]]),
      data.by_channel, function (r) {
        return [el("td", null, r.channel)].concat(handoffCells(r, goal),
          [el("td", "num", r.conversations), rateCell(r.handoff_rate), rateCell(r.containment)]);
      });
    table("table-agents", [[t("reports.col.agent")]].concat(handoffHeaders()), data.by_agent, function (r) {
      return [el("td", null, r.agent)].concat(handoffCells(r, goal));
    });
    table("table-complaints", [[t("reports.col.category")], [t("reports.col.severity")], [t("reports.complaints"), 1],
      [t("reports.col.clocks_met"), 1], [t("reports.col.compliance"), 1]],
      data.complaints, function (r) {
        return [el("td", null, categoryLabel(r.category)), el("td", null, severityLabel(r.severity)),
                el("td", "num", r.complaints), el("td", "num", fraction(r.clocks_met, r.clocks_decided)),
                rateCell(r.clock_compliance)];
      });
    table("table-clocks", [[t("reports.col.clock")], [t("reports.col.met"), 1], [t("reports.col.compliance"), 1]],
      data.complaint_clocks, function (r) {
        return [el("td", null, clockLabel(r.clock)), el("td", "num", fraction(r.clocks_met, r.clocks_decided)),
                rateCell(r.clock_compliance)];
      });
  }

  // -- staffing ---------------------------------------------------------------------------
  function round(value, places) { var f = Math.pow(10, places); return Math.round(value * f) / f; }

  function prefillStaffing(data) {
    var o = data.observed;
    $("observed").textContent = t("reports.observed", {
      handoffs: o.handoffs, per_hour: o.arrivals_per_hour === null ? "–" : round(o.arrivals_per_hour, 2),
      peak: o.peak_hour_arrivals, handle: seconds(o.aht_seconds) });
    $("st-arrivals").value = o.peak_hour_arrivals || round(o.arrivals_per_hour || 0, 2);
    $("st-handle").value = o.aht_seconds ? Math.round(o.aht_seconds) : 300;
    $("st-target").value = data.targets.sla_seconds;
    calculate();
  }

  function fact(label, value, headline) {
    var box = el("div", headline ? "headline" : null);
    box.appendChild(el("dt", null, label));
    box.appendChild(el("dd", null, value));
    return box;
  }

  function calculate() {
    var params = new URLSearchParams({
      arrivals_per_hour: $("st-arrivals").value, handle_seconds: $("st-handle").value,
      target_seconds: $("st-target").value, target_share: String(Number($("st-share").value) / 100)
    });
    $("staffing-error").textContent = "";
    return Staff.api("GET", "/api/reports/staffing?" + params.toString()).then(function (r) {
      var box = $("staffing-result");
      Staff.clear(box);
      box.appendChild(fact(t("reports.staffing.agents"), String(r.agents), true));
      box.appendChild(fact(t("reports.staffing.load"), t("reports.staffing.erlangs", { load: round(r.traffic_erlangs, 2) })));
      box.appendChild(fact(t("reports.staffing.within", { time: seconds(r.target_seconds) }), percent(r.service_level)));
      box.appendChild(fact(t("reports.staffing.wait_chance"), percent(r.probability_wait)));
      box.appendChild(fact(t("reports.staffing.wait"), seconds(r.average_speed_of_answer_seconds)));
      box.appendChild(fact(t("reports.staffing.occupancy"), percent(r.occupancy)));
    }, function (e) {
      Staff.clear($("staffing-result"));
      $("staffing-error").textContent = e.message;
    });
  }

  Staff.start(function () { return t("staff.nav.reports"); }, ["supervisor", "admin"], function () {
    initialPeriod();
    $("period-form").addEventListener("submit", function (event) { event.preventDefault(); load(); });
    $("staffing-form").addEventListener("submit", function (event) { event.preventDefault(); calculate(); });
    load();
  });
})();
