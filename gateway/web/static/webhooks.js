// The /webhooks page: the endpoints where the shop's systems hear about conversations, kept by
// admins. One form adds an endpoint or edits the one picked in the table; the server never
// gives a secret back, so an empty secret field keeps the one set. The endpoint picked shows its
// latest deliveries, read again every few seconds while shown, each of which can be sent again.
// The server's refusals show beside the form or the deliveries. Text goes in through
// textContent only.
(function () {
  "use strict";
  var el = Staff.el;
  // Read again every few seconds, and every second while one is on its way (a resend shows how it went).
  var POLL_MS = 3000, PENDING_POLL_MS = 1000, LIMIT = 50;
  var state = {
    endpoints: [], eventTypes: [], editing: null, bound: false,
    // The endpoint whose deliveries are shown, the last list drawn, and which read is latest.
    shown: null, drawn: "", reads: 0, timer: null, errorFrom: null
  };

  function $(id) { return document.getElementById(id); }

  function find(id) {
    for (var i = 0; i < state.endpoints.length; i++) if (state.endpoints[i].id === id) return state.endpoints[i];
    return null;
  }

  function load() {
    return Staff.api("GET", "/api/webhooks").then(function (data) {
      state.endpoints = data.webhooks || [];
      var types = data.event_types || [];
      if (types.join() !== state.eventTypes.join()) {
        state.eventTypes = types;
        drawEventChoices();
      }
      if (state.shown) {
        var still = find(state.shown.id);
        if (still) { state.shown = still; deliveriesTitle(); } else closeDeliveries();
      }
      draw();
    }, function (e) { $("webhook-error").textContent = t("webhooks.error.load", { message: e.message }); });
  }

  // ---- the endpoints -------------------------------------------------------------------------

  function draw() {
    var body = $("webhooks-rows");
    Staff.clear(body);
    state.endpoints.forEach(function (w) { body.appendChild(row(w)); });
    var count = state.endpoints.length;
    $("webhooks-count").textContent = t(count === 1 ? "webhooks.count.one" : "webhooks.count", { count: count });
    $("webhooks-table").hidden = !state.endpoints.length;
    $("webhooks-none").hidden = !!state.endpoints.length;
  }

  function row(w) {
    var tr = el("tr");
    tr.id = "webhook-" + w.id;
    tr.setAttribute("data-url", w.url);
    var marks = [];
    if (state.editing && state.editing.id === w.id) marks.push("editing");
    if (state.shown && state.shown.id === w.id) marks.push("shown");
    tr.className = marks.join(" ");
    tr.appendChild(el("td", "url", w.url));
    var events = el("td", "events");
    w.events.forEach(function (type) {
      var code = el("code", "pill", type);
      code.title = I18n.code("webhooks.event.", type);
      events.appendChild(code);
      events.appendChild(document.createTextNode(" "));
    });
    tr.appendChild(events);
    tr.appendChild(el("td", w.trusted ? "trusted yes" : "trusted", t(w.trusted ? "webhooks.trusted.yes" : "webhooks.trusted.no")));
    tr.appendChild(el("td", "secret", w.secret_set ? t("webhooks.secret.set") : "–"));
    tr.appendChild(el("td", "added muted", t("webhooks.added", { at: Staff.when(w.created_at), by: w.created_by })));
    var actions = el("td", "actions"), fields = { url: w.url };
    var show = button(t("webhooks.show_deliveries"), t("webhooks.show_deliveries_label", fields), "secondary show",
                      function () { showDeliveries(w); });
    show.setAttribute("aria-controls", "deliveries");
    show.setAttribute("aria-expanded", String(!!(state.shown && state.shown.id === w.id)));
    actions.appendChild(show);
    actions.appendChild(button(t("webhooks.edit"), t("webhooks.edit_label", fields), "secondary edit",
                               function () { startEdit(w); }));
    actions.appendChild(deleteButton(w, fields));
    tr.appendChild(actions);
    return tr;
  }

  function button(text, label, className, onClick) {
    var b = el("button", className, text);
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  // Deleting asks once more on the button itself rather than in a dialog that hides the row.
  function deleteButton(w, fields) {
    var b = button(t("webhooks.delete"), t("webhooks.delete_label", fields), "secondary delete", function () {
      if (!b.classList.contains("confirm")) {
        b.classList.add("confirm", "danger");
        b.classList.remove("secondary");
        b.textContent = t("webhooks.delete_confirm");
        b.setAttribute("aria-label", t("webhooks.delete_confirm") + " " + t("webhooks.delete_label", fields));
        return;
      }
      b.disabled = true;
      $("webhook-error").textContent = "";
      Staff.api("DELETE", "/api/webhooks/" + w.id).then(function () {
        Staff.flash(t("webhooks.deleted", fields), "info");
        if (state.editing && state.editing.id === w.id) resetForm();
        if (state.shown && state.shown.id === w.id) closeDeliveries();
      }, function (e) {
        $("webhook-error").textContent = e.status === 404 ? t("webhooks.error.gone") : e.message;
      }).then(load);
    });
    b.addEventListener("blur", function () {
      if (b.disabled || !b.classList.contains("confirm")) return;
      b.classList.remove("confirm", "danger");
      b.classList.add("secondary");
      b.textContent = t("webhooks.delete");
      b.setAttribute("aria-label", t("webhooks.delete_label", fields));
    });
    return b;
  }

  // ---- the form ------------------------------------------------------------------------------

  // One checkbox per event type the server offers, its code as the receiver sees it and what it
  // means in the reader's words. Ticks survive a redraw.
  function drawEventChoices() {
    var box = $("webhook-events"), ticked = chosenEvents();
    Staff.clear(box);
    state.eventTypes.forEach(function (type) {
      var label = el("label", "check event");
      var input = el("input");
      input.type = "checkbox";
      input.value = type;
      input.checked = ticked.indexOf(type) >= 0;
      label.appendChild(input);
      label.appendChild(el("code", null, type));
      var words = I18n.code("webhooks.event.", type);
      if (words !== type) label.appendChild(el("span", "muted", words));
      box.appendChild(label);
    });
  }

  function eventBoxes() { return $("webhook-events").querySelectorAll("input[type=checkbox]"); }

  function chosenEvents() {
    var chosen = [];
    Array.prototype.forEach.call(eventBoxes(), function (box) { if (box.checked) chosen.push(box.value); });
    return chosen;
  }

  function choose(events) {
    Array.prototype.forEach.call(eventBoxes(), function (box) { box.checked = events.indexOf(box.value) >= 0; });
  }

  // Editing: the secret is not known here, so an empty field means "keep it", and says so.
  function secretKept(kept) {
    var secret = $("webhook-secret");
    secret.required = !kept;
    secret.value = "";
    $("secret-keep").hidden = !kept;
    secret.setAttribute("aria-describedby", kept ? "secret-hint secret-keep" : "secret-hint");
  }

  function startEdit(w) {
    state.editing = w;
    $("webhook-url").value = w.url;
    secretKept(true);
    choose(w.events);
    $("webhook-trusted").checked = w.trusted;
    $("form-title").textContent = t("webhooks.form.edit", { url: w.url });
    $("form-title").classList.add("address");
    $("webhook-save").textContent = t("webhooks.save");
    $("webhook-cancel").hidden = false;
    $("webhook-error").textContent = "";
    draw();
    $("webhook-url").focus();
  }

  function resetForm() {
    state.editing = null;
    $("webhook-form").reset();
    secretKept(false);
    $("form-title").textContent = t("webhooks.form.add");
    $("form-title").classList.remove("address");
    $("webhook-save").textContent = t("webhooks.add");
    $("webhook-cancel").hidden = true;
    draw();
  }

  // The server's answer in words: which field, not a bare status.
  function refusal(e) {
    if (e.status === 422) return t("webhooks.error.invalid", { message: e.message });
    if (e.status === 409) return t("webhooks.error.conflict", { message: e.message });
    if (e.status === 404) return t("webhooks.error.gone");
    return e.message;
  }

  function save(event) {
    event.preventDefault();
    var editing = state.editing;
    var body = { url: $("webhook-url").value.trim(), events: chosenEvents(), trusted: $("webhook-trusted").checked };
    var secret = $("webhook-secret").value;
    if (secret || !editing) body.secret = secret;
    $("webhook-error").textContent = "";
    $("webhook-save").disabled = true;
    var done = editing ? Staff.api("PUT", "/api/webhooks/" + editing.id, body) : Staff.api("POST", "/api/webhooks", body);
    done.then(function (saved) {
      Staff.flash(t(editing ? "webhooks.saved" : "webhooks.created", { url: saved.url }), "info");
      resetForm();
      return load();
    }, function (e) {
      $("webhook-error").textContent = refusal(e);
      if (e.status === 404) { resetForm(); load(); }
    }).then(function () { $("webhook-save").disabled = false; });
  }

  // ---- the deliveries of one endpoint --------------------------------------------------------

  function deliveriesTitle() {
    $("deliveries-title").textContent = t("webhooks.deliveries", { url: state.shown.url });
  }

  function showDeliveries(w) {
    state.shown = w;
    state.drawn = "";
    deliveryError("", null);
    Staff.clear($("deliveries-rows"));
    $("deliveries-table").hidden = true;
    $("deliveries-none").hidden = true;
    $("deliveries").hidden = false;
    deliveriesTitle();
    draw();
    $("deliveries-title").focus();
    readDeliveries();
  }

  // One timer at a time; each read sets the next.
  function readAgainIn(ms) {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(function () {
      state.timer = null;
      if (document.hidden) readAgainIn(POLL_MS);
      else readDeliveries();
    }, ms);
  }

  function closeDeliveries() {
    state.shown = null;
    state.reads++;  // a read still on its way draws nothing
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    $("deliveries").hidden = true;
    draw();
  }

  // `from`: the read or a resend. A read that goes well clears only a read's error, so a refused
  // resend stays on screen until the next thing the admin does.
  function deliveryError(text, from) {
    $("deliveries-error").textContent = text;
    state.errorFrom = text ? from : null;
  }

  function readDeliveries() {
    var w = state.shown, read = ++state.reads;
    if (!w) return Promise.resolve();
    return Staff.api("GET", "/api/webhooks/" + w.id + "/deliveries?limit=" + LIMIT).then(function (data) {
      if (read !== state.reads || !state.shown || state.shown.id !== w.id) return;  // a later read or another endpoint
      if (state.errorFrom === "read") deliveryError("", null);
      var list = data.deliveries || [];
      drawDeliveries(list);
      readAgainIn(list.some(function (d) { return d.status === "pending"; }) ? PENDING_POLL_MS : POLL_MS);
    }, function (e) {
      if (read !== state.reads) return;
      if (e.status === 404) {  // deleted elsewhere: the list is read again, which closes these
        $("webhook-error").textContent = t("webhooks.error.gone");
        load();
      } else {
        deliveryError(t("webhooks.error.deliveries", { message: e.message }), "read");
        if (state.shown) readAgainIn(POLL_MS);
      }
    });
  }

  // Drawn again only when something changed, and the button that had the keyboard keeps it.
  function drawDeliveries(list) {
    var seen = JSON.stringify(list);
    if (seen === state.drawn) return;
    state.drawn = seen;
    var body = $("deliveries-rows"), focused = document.activeElement;
    var keep = focused && body.contains(focused) ? focused.id : null;
    Staff.clear(body);
    list.forEach(function (d) { body.appendChild(deliveryRow(d)); });
    $("deliveries-table").hidden = !list.length;
    $("deliveries-none").hidden = !!list.length;
    if (keep && $(keep)) $(keep).focus();
  }

  function lastAnswer(d) {
    if (d.last_error) return d.last_error;
    if (d.last_status) return t("webhooks.last.http", { status: d.last_status });
    return "–";
  }

  function deliveryRow(d) {
    var tr = el("tr", "delivery");
    tr.id = "delivery-" + d.id;
    tr.setAttribute("data-status", d.status);
    tr.setAttribute("data-event-id", d.event_id);
    var type = el("td", "type");
    type.appendChild(el("code", null, d.type));
    tr.appendChild(type);
    var id = el("td", "event-id");
    id.appendChild(el("code", null, d.event_id));
    tr.appendChild(id);
    var status = el("td", "status");
    status.appendChild(el("span", "pill " + d.status, I18n.code("webhooks.status.", d.status)));
    tr.appendChild(status);
    tr.appendChild(el("td", "num attempts", d.attempts));
    tr.appendChild(el("td", "last", lastAnswer(d)));
    tr.appendChild(el("td", "created", Staff.when(d.created_at)));
    var when = d.status === "pending" ? t("webhooks.next_at", { at: Staff.when(d.next_attempt_at) })
             : d.done_at ? t("webhooks.done_at", { at: Staff.when(d.done_at) }) : "–";
    tr.appendChild(el("td", "when", when));
    var actions = el("td", "actions");
    var again = button(t("webhooks.resend"), t("webhooks.resend_label", { type: d.type, event_id: d.event_id }),
                       "secondary resend", function () { resend(d, again); });
    again.id = "resend-" + d.id;
    actions.appendChild(again);
    tr.appendChild(actions);
    return tr;
  }

  function resend(d, b) {
    b.disabled = true;
    deliveryError("", null);
    Staff.api("POST", "/api/webhooks/deliveries/" + d.id + "/resend").then(function (again) {
      Staff.flash(t("webhooks.resent", { type: again.type }), "info");
    }, function (e) {
      deliveryError(e.status === 404 ? t("webhooks.error.delivery_gone") : e.message, "resend");
    }).then(function () {
      state.drawn = "";  // the button comes back even if nothing else changed
      return readDeliveries();
    });
  }

  // Once per page: a second login draws the table again but keeps these.
  function bind() {
    if (state.bound) return;
    state.bound = true;
    $("webhook-form").addEventListener("submit", save);
    $("webhook-cancel").addEventListener("click", resetForm);
    $("deliveries-refresh").addEventListener("click", function () { state.drawn = ""; readDeliveries(); });
    // Back to the button that opened them, so the keyboard is not left on a hidden section.
    $("deliveries-close").addEventListener("click", function () {
      var id = state.shown && state.shown.id;
      closeDeliveries();
      var opener = document.querySelector("#webhook-" + id + " button.show");
      if (opener) opener.focus();
    });
  }

  Staff.start(function () { return t("webhooks.title"); }, ["admin"], function () {
    bind();
    resetForm();
    load();
  });
})();
