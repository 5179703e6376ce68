/* The context panel on the right: why the bot handed off, what it tried, who the customer is,
 * their complaints with the clocks still running, and the agents' private notes. */
var DeskContext = (function () {
  "use strict";
  var $ = Desk.$, el = Staff.el, clear = Staff.clear, timeText = Desk.timeText;

  function category(code) { return I18n.code("complaint.category.", code); }
  function severity(code) { return I18n.code("complaint.severity.", code); }

  // The bot writes severity reasons as words ("media or regulator"); their keys spell them with "_".
  function severityReason(reason) {
    var slug = String(reason).replace(/ /g, "_"), text = I18n.code("console.severity_reason.", slug);
    return text === slug ? reason : text;
  }

  function fact(dl, label, value, className) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", null, label));
    var dd = el("dd", className || null, value);
    dl.appendChild(dd);
    return dd;
  }

  function none(list) { if (!list.firstChild) list.appendChild(el("li", "muted none", t("console.none"))); }

  function render(pkg) {
    $("ctx-summary").textContent = pkg.summary || "";
    handoff(pkg.handoff || {});
    order(pkg.order);
    attempts(pkg.bot_attempts || []);
    customer(pkg);
    complaints(pkg.complaints || []);
    var notes = $("ctx-notes");
    clear(notes);
    (pkg.notes || []).forEach(addNote);
    none(notes);
    DeskLists.tick();
  }

  function handoff(h) {
    var dl = $("ctx-handoff");
    clear(dl);
    fact(dl, t("console.fact.kind"), h.kind && I18n.code("console.kind.", h.kind));
    // The server writes the reasons in the reader's language; `reason` is the recorded prose.
    fact(dl, t("console.fact.reason"), h.reason_text || h.reason, "reason");
    fact(dl, t("console.fact.category"), h.category && category(h.category));
    var sev = fact(dl, t("console.fact.severity"), h.severity && severity(h.severity), "severity");
    if (sev) sev.setAttribute("data-severity", h.severity);
    fact(dl, t("console.fact.priority"), h.priority);
    fact(dl, t("console.fact.queued"), timeText(h.queued_at));
    if (h.first_response_at) fact(dl, t("console.fact.first_reply"), timeText(h.first_response_at));
    else if (h.first_response_due_at && !h.resolved_at) {
      fact(dl, t("console.fact.first_reply"), " ").setAttribute("data-due", h.first_response_due_at);
    }
    if (h.breached_at) fact(dl, t("console.fact.breached"), timeText(h.breached_at), "breached");
    if (h.resolved_at) fact(dl, t("console.fact.resolved"), timeText(h.resolved_at));
  }

  // The order the bot looked up: what the shop's system said, and whether the customer proved
  // it is theirs. Shown only when there is one.
  function order(o) {
    var block = $("ctx-order-block"), dl = $("ctx-order");
    clear(dl);
    block.hidden = !o;
    if (!o) return;
    fact(dl, t("console.order.id"), o.order_id, "order-id");
    fact(dl, t("console.order.lookup"), o.lookup && I18n.code("console.order.lookup.", o.lookup) +
         (o.error ? " (" + o.error + ")" : ""), "order-lookup");
    fact(dl, t("console.order.status"), o.status, "order-status");
    fact(dl, t("console.order.carrier"), o.carrier);
    fact(dl, t("console.order.tracking"), o.tracking_number, "order-tracking");
    var late = o.late ? " \u00b7 " + t("console.order.late") : "";
    fact(dl, t("console.order.expected"), o.expected_date && o.expected_date + late, o.late ? "breached" : null);
    if (o.verified !== undefined) {
      fact(dl, t("console.order.verified"), o.verified ? t("console.order.verified.yes")
           : t("console.order.verified.no", { tries: o.tries || 0 }), "order-verified");
    }
  }

  function attempts(list) {
    var ol = $("ctx-attempts");
    clear(ol);
    list.forEach(function (a) {
      var li = el("li");
      var head = el("div", "attempt-head");
      head.appendChild(el("span", "chip decision", a.decision ? I18n.code("console.decision.", a.decision) : "?"));
      if (a.entry_id) {
        head.appendChild(el("span", "muted", a.entry_id + (a.score !== undefined ? " (" + a.score.toFixed(2) + ")" : "")));
      }
      li.appendChild(head);
      if (a.reason_text || a.reason) li.appendChild(el("div", "attempt-reason", a.reason_text || a.reason));
      if (a.category) {
        li.appendChild(el("div", "muted", t("console.attempt.complaint",
          { category: category(a.category), severity: (a.severity && severity(a.severity)) || "?" })));
      }
      var results = el("ul", "results");
      (a.results || []).slice(0, 3).forEach(function (r) {
        var item = el("li");
        item.appendChild(el("span", "score", typeof r.score === "number" ? r.score.toFixed(2) : String(r.score)));
        item.appendChild(el("span", "question", r.question || r.id));
        item.title = r.id;
        results.appendChild(item);
      });
      if (results.firstChild) li.appendChild(results);
      ol.appendChild(li);
    });
    if (!ol.firstChild) ol.appendChild(el("li", "muted", t("console.attempt.none")));
  }

  function customer(pkg) {
    var who = pkg.customer || {}, dl = $("ctx-customer");
    clear(dl);
    fact(dl, t("console.fact.name"), who.display_name);
    fact(dl, t("console.fact.channel"), pkg.channel);
    (who.identities || []).forEach(function (i) { fact(dl, i.channel, i.handle, "handle"); });
    var earlier = $("ctx-earlier");
    clear(earlier);
    (who.earlier_conversations || []).forEach(function (c) {
      earlier.appendChild(el("li", null, [Desk.shortId(c.id), c.channel, I18n.code("console.status.", c.status),
                                          timeText(c.created_at)].join(" · ")));
    });
    none(earlier);
  }

  function complaints(list) {
    var ul = $("ctx-complaints");
    clear(ul);
    list.forEach(function (c) {
      var li = el("li", "complaint");
      var head = el("div", "attempt-head");
      head.appendChild(el("span", "chip category", category(c.category)));
      var s = el("span", "chip severity", severity(c.severity));
      s.setAttribute("data-severity", c.severity);
      head.appendChild(s);
      head.appendChild(el("span", "muted", I18n.code("complaint.status.", c.status)));
      li.appendChild(head);
      if (c.demand) li.appendChild(el("div", null, t("console.complaint.wants", { demand: I18n.code("console.demand.", c.demand) })));
      if (c.severity_reasons && c.severity_reasons.length) {
        li.appendChild(el("div", "muted", c.severity_reasons.map(severityReason).join(t("console.list_separator"))));
      }
      var clocks = el("ul", "clocks");
      (c.clocks || []).forEach(function (k) { clocks.appendChild(clock(k)); });
      if (clocks.firstChild) li.appendChild(clocks);
      ul.appendChild(li);
    });
    none(ul);
  }

  // A complaint clock: met, breached, or counting down (the ticker fills data-due).
  function clock(k) {
    var row = el("li");
    row.appendChild(el("span", "clock-kind", I18n.code("complaint.clock.", k.kind)));
    if (k.met_at) row.appendChild(el("span", "met", t("console.clock.met", { time: timeText(k.met_at) })));
    else if (k.breached_at) row.appendChild(el("span", "breached", t("console.clock.breached", { time: timeText(k.breached_at) })));
    else { var d = el("span", "due"); d.setAttribute("data-due", k.due_at); row.appendChild(d); }
    return row;
  }

  function addNote(n) {
    var notes = $("ctx-notes"), empty = notes.querySelector(".none");
    if (empty) notes.removeChild(empty);
    var li = el("li", "note");
    li.appendChild(el("div", "muted", n.author + " · " + timeText(n.created_at)));
    li.appendChild(el("div", "text", n.text));
    notes.appendChild(li);
  }

  return { render: render, addNote: addNote };
})();
