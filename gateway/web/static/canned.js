// The /canned page: the canned replies agents insert with "/" in the console, kept by
// supervisors and admins. One form adds a reply or edits the one picked in the table; the
// server's refusals (a shortcut taken in that language, a field it will not take) show beside
// the form. Text goes in through textContent only.
(function () {
  "use strict";
  var el = Staff.el;
  var state = { replies: [], editing: null, bound: false };

  function $(id) { return document.getElementById(id); }

  function languageName(code) { return I18n.code("canned.language.", code); }

  function load() {
    return Staff.api("GET", "/api/canned-replies").then(function (data) {
      state.replies = data.canned_replies || [];
      draw();
    }, function (e) { $("canned-error").textContent = t("canned.error.load", { message: e.message }); });
  }

  function draw() {
    var body = $("canned-rows"), only = $("canned-filter").value;
    var shown = state.replies.filter(function (r) { return !only || r.language === only; });
    Staff.clear(body);
    shown.forEach(function (r) { body.appendChild(row(r)); });
    $("canned-count").textContent = t("canned.count", { count: shown.length });
    $("canned-table").hidden = !shown.length;
    $("canned-none").hidden = !!shown.length;
  }

  function row(r) {
    var tr = el("tr");
    tr.id = "canned-" + r.id;
    tr.setAttribute("data-shortcut", r.shortcut);
    tr.setAttribute("data-language", r.language);
    if (state.editing && state.editing.id === r.id) tr.className = "editing";
    tr.appendChild(el("td", "shortcut", "/" + r.shortcut));
    tr.appendChild(el("td", "language", languageName(r.language)));
    tr.appendChild(el("td", "title", r.title));
    var text = el("td", "text", r.text);
    text.setAttribute("lang", r.language === "zh" ? "zh-CN" : "en");
    tr.appendChild(text);
    tr.appendChild(el("td", "updated muted", t("canned.updated", { at: Staff.when(r.updated_at), by: r.updated_by })));
    var actions = el("td", "actions");
    var fields = { shortcut: r.shortcut, language: languageName(r.language) };
    var edit = el("button", "secondary", t("canned.edit"));
    edit.type = "button";
    edit.setAttribute("aria-label", t("canned.edit_label", fields));
    edit.addEventListener("click", function () { startEdit(r); });
    actions.appendChild(edit);
    actions.appendChild(deleteButton(r, fields));
    tr.appendChild(actions);
    return tr;
  }

  // Deleting asks once more on the button itself rather than in a dialog that hides the row.
  function deleteButton(r, fields) {
    var button = el("button", "secondary delete", t("canned.delete"));
    button.type = "button";
    button.setAttribute("aria-label", t("canned.delete_label", fields));
    button.addEventListener("click", function () {
      if (!button.classList.contains("confirm")) {
        button.classList.add("confirm", "danger");
        button.classList.remove("secondary");
        button.textContent = t("canned.delete_confirm");
        button.setAttribute("aria-label", t("canned.delete_confirm") + " " + t("canned.delete_label", fields));
        return;
      }
      button.disabled = true;
      $("canned-error").textContent = "";
      Staff.api("DELETE", "/api/canned-replies/" + r.id).then(function () {
        Staff.flash(t("canned.deleted", { shortcut: r.shortcut }), "info");
        if (state.editing && state.editing.id === r.id) resetForm();
      }, function (e) {
        $("canned-error").textContent = e.status === 404 ? t("canned.error.gone") : e.message;
      }).then(load);
    });
    button.addEventListener("blur", function () {
      if (button.disabled || !button.classList.contains("confirm")) return;
      button.classList.remove("confirm", "danger");
      button.classList.add("secondary");
      button.textContent = t("canned.delete");
      button.setAttribute("aria-label", t("canned.delete_label", fields));
    });
    return button;
  }

  function startEdit(r) {
    state.editing = r;
    $("canned-shortcut").value = r.shortcut;
    $("canned-language").value = r.language;
    $("canned-title-input").value = r.title;
    $("canned-text").value = r.text;
    $("form-title").textContent = t("canned.form.edit", { shortcut: r.shortcut });
    $("canned-save").textContent = t("canned.save");
    $("canned-cancel").hidden = false;
    $("canned-error").textContent = "";
    draw();
    $("canned-shortcut").focus();
  }

  function resetForm() {
    state.editing = null;
    $("canned-form").reset();
    $("form-title").textContent = t("canned.form.add");
    $("canned-save").textContent = t("canned.add");
    $("canned-cancel").hidden = true;
    draw();
  }

  // The server's answer in words: whose shortcut, what field, not a bare status.
  function refusal(e, fields) {
    if (e.status === 409) return t("canned.error.taken", { shortcut: fields.shortcut, language: languageName(fields.language) });
    if (e.status === 422) return t("canned.error.invalid", { message: e.message });
    if (e.status === 404) return t("canned.error.gone");
    return e.message;
  }

  function save(event) {
    event.preventDefault();
    var fields = {
      shortcut: $("canned-shortcut").value.trim().replace(/^\//, ""),
      title: $("canned-title-input").value.trim(),
      text: $("canned-text").value,
      language: $("canned-language").value
    };
    var editing = state.editing;
    $("canned-error").textContent = "";
    $("canned-save").disabled = true;
    var done = editing ? Staff.api("PUT", "/api/canned-replies/" + editing.id, fields)
                       : Staff.api("POST", "/api/canned-replies", fields);
    done.then(function (saved) {
      Staff.flash(t(editing ? "canned.saved" : "canned.added", { shortcut: saved.shortcut }), "info");
      resetForm();
      return load();
    }, function (e) {
      $("canned-error").textContent = refusal(e, fields);
      if (e.status === 404) { resetForm(); load(); }
    }).then(function () { $("canned-save").disabled = false; });
  }

  // Once per page: a second login draws the table again but keeps these.
  function bind() {
    if (state.bound) return;
    state.bound = true;
    $("canned-form").addEventListener("submit", save);
    $("canned-cancel").addEventListener("click", resetForm);
    $("canned-filter").addEventListener("change", draw);
  }

  Staff.start(function () { return t("canned.title"); }, ["supervisor", "admin"], function () {
    bind();
    resetForm();
    load();
  });
})();
