// The /hours page: the service calendar in force, edited by an admin and read by supervisors.
// A save carries the version it started from; the server refuses it (409) if someone saved in
// between. Text goes in through textContent only.
(function () {
  "use strict";
  var el = Staff.el;
  var DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  var CLOCKS = ["first_response", "ordinary_complaint", "major_complaint"];
  var MODES = ["service", "wall"];
  var STATUS_EVERY_MS = 30000;
  var state = { version: 0, editable: false, weekly: {}, holidays: [] };

  function $(id) { return document.getElementById(id); }

  // A moment on the shop's clock, which is what customers are told, not the reader's.
  function onShopClock(iso, zone) {
    var text = new Date(iso).toLocaleString(I18n.language(), {
      timeZone: zone, weekday: "long", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false
    });
    return t("hours.at_zone", { when: text, zone: zone });
  }

  function showStatus(data) {
    var line = $("hours-status"), zone = data.calendar.timezone;
    line.className = "status " + (data.open_now ? "open" : "closed");
    if (data.calendar.weekly === null) line.textContent = t("hours.status.always");
    else if (data.open_now) line.textContent = t("hours.status.open");
    else line.textContent = t("hours.status.closed", { when: onShopClock(data.next_opening, zone) });
    $("hours-source").textContent = data.source === "saved"
      ? t("hours.source.saved", { version: data.version, by: data.updated_by, at: Staff.when(data.updated_at) })
      : t("hours.source.settings");
  }

  // -- the form, drawn from a calendar document -------------------------------------------
  function render(data) {
    var calendar = data.calendar;
    state.version = data.version;
    state.weekly = {};
    DAYS.forEach(function (day) {
      state.weekly[day] = ((calendar.weekly || {})[day] || []).map(function (s) { return s.slice(); });
    });
    state.holidays = calendar.holidays.slice();
    $("always-open").checked = calendar.weekly === null;
    $("timezone").value = calendar.timezone;
    CLOCKS.forEach(function (name) { $("clock-" + name).value = calendar.clocks[name]; });
    drawWeek();
    drawHolidays();
    showStatus(data);
  }

  function drawWeek() {
    var table = $("week"), always = $("always-open").checked;
    Staff.clear(table);
    table.hidden = always;
    DAYS.forEach(function (day) {
      var row = el("tr"), cell = el("td");
      row.id = "day-" + day;
      row.appendChild(el("td", "day", t("hours.day." + day)));
      if (!state.weekly[day].length) cell.appendChild(el("span", "closed", t("hours.closed")));
      state.weekly[day].forEach(function (span, i) { cell.appendChild(spanEditor(day, span, i)); });
      if (state.editable) {
        var add = el("button", "secondary add-span", t("hours.add_span"));
        add.type = "button";
        add.addEventListener("click", function () {
          var last = state.weekly[day][state.weekly[day].length - 1];
          state.weekly[day].push(last ? [last[1], "24:00"] : ["09:00", "18:00"]);
          drawWeek();
        });
        cell.appendChild(add);
      }
      row.appendChild(cell);
      table.appendChild(row);
    });
  }

  function spanEditor(day, span, i) {
    var box = el("span", "span");
    [0, 1].forEach(function (end) {
      var input = el("input");
      input.value = span[end];
      input.placeholder = end ? "18:00" : "09:00";
      input.pattern = "[0-9]{1,2}:[0-9]{2}";
      input.required = true;
      input.disabled = !state.editable;
      input.className = end ? "closes" : "opens";
      input.setAttribute("aria-label", t(end ? "hours.span.closes" : "hours.span.opens", { day: t("hours.day." + day) }));
      input.addEventListener("input", function () { span[end] = input.value.trim(); });
      box.appendChild(input);
      if (!end) box.appendChild(el("span", null, "–"));
    });
    if (state.editable) {
      var remove = el("button", "secondary", "×");
      remove.type = "button";
      remove.title = t("hours.remove");
      remove.setAttribute("aria-label", t("hours.remove"));
      remove.addEventListener("click", function () { state.weekly[day].splice(i, 1); drawWeek(); });
      box.appendChild(remove);
    }
    return box;
  }

  function drawHolidays() {
    var list = $("holidays");
    Staff.clear(list);
    if (!state.holidays.length) list.appendChild(el("li", "muted", t("hours.holidays.none")));
    state.holidays.forEach(function (day) {
      var item = el("li");
      item.appendChild(el("span", "date", day));
      if (state.editable) {
        var remove = el("button", "secondary", "×");
        remove.type = "button";
        remove.title = t("hours.remove");
        remove.setAttribute("aria-label", t("hours.holiday.remove", { day: day }));
        remove.addEventListener("click", function () {
          state.holidays = state.holidays.filter(function (d) { return d !== day; });
          drawHolidays();
        });
        item.appendChild(remove);
      }
      list.appendChild(item);
    });
  }

  function buildStatic() {
    var clocks = $("clocks");
    CLOCKS.forEach(function (name) {
      var label = el("label", null, t("hours.clock." + name));
      var select = el("select");
      select.id = "clock-" + name;
      MODES.forEach(function (mode) {
        var option = el("option", null, t("hours.mode." + mode));
        option.value = mode;
        select.appendChild(option);
      });
      label.appendChild(select);
      clocks.appendChild(label);
    });
    var zones = (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : []).slice();
    if (zones.indexOf("UTC") < 0) zones.unshift("UTC");
    zones.forEach(function (zone) { var option = el("option"); option.value = zone; $("zones").appendChild(option); });
    $("always-open").addEventListener("change", drawWeek);
    $("holiday-add").addEventListener("click", function () {
      var day = $("holiday-new").value;
      if (day && state.holidays.indexOf(day) < 0) {
        state.holidays.push(day);
        state.holidays.sort();
        drawHolidays();
      }
      $("holiday-new").value = "";
    });
    $("hours-form").addEventListener("submit", save);
  }

  function calendarOf() {
    var weekly = null, clocks = {};
    if (!$("always-open").checked) {
      weekly = {};
      DAYS.forEach(function (day) { weekly[day] = state.weekly[day]; });
    }
    CLOCKS.forEach(function (name) { clocks[name] = $("clock-" + name).value; });
    return { timezone: $("timezone").value.trim(), holidays: state.holidays, weekly: weekly, clocks: clocks };
  }

  function save(event) {
    event.preventDefault();
    $("hours-error").textContent = "";
    $("hours-save").disabled = true;
    Staff.api("PUT", "/api/service-hours", { calendar: calendarOf(), version: state.version }).then(function (data) {
      render(data);
      Staff.flash(t("hours.saved", { version: data.version }));
    }, function (e) {
      $("hours-error").textContent = e.status === 409 ? t("hours.stale") : e.message;
    }).then(function () { $("hours-save").disabled = false; });
  }

  function refreshStatus() {
    Staff.api("GET", "/api/service-hours").then(showStatus, function () {});
  }

  Staff.start(function () { return t("hours.title"); }, ["supervisor", "admin"], function (me) {
    state.editable = me.role === "admin";
    buildStatic();
    Array.prototype.forEach.call(document.querySelectorAll("#hours-form input, #hours-form select"),
      function (input) { input.disabled = !state.editable; });
    $("hours-save").hidden = $("holiday-add").hidden = $("holiday-new").hidden = !state.editable;
    $("hours-read-only").hidden = state.editable;
    Staff.api("GET", "/api/service-hours").then(render, function (e) { $("hours-error").textContent = e.message; });
    setInterval(refreshStatus, STATUS_EVERY_MS);
  });
})();
