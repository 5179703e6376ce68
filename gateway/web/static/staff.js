// Shared by the staff pages: JSON calls, safe DOM building, login, the top bar.
// User text only ever goes in through textContent, never innerHTML.
var Staff = (function () {
  "use strict";
  // Labels are read when the bar is drawn, after the account's language is known.
  var PAGES = [
    { href: "/console", label: function () { return t("staff.nav.console"); }, roles: ["agent", "supervisor", "admin"] },
    { href: "/kb", label: function () { return t("staff.nav.kb"); }, roles: ["editor", "admin"] },
    { href: "/reports", label: function () { return t("staff.nav.reports"); }, roles: ["supervisor", "admin"] },
    { href: "/quality", label: function () { return t("staff.nav.quality"); }, roles: ["supervisor", "admin"] },
    { href: "/audit", label: function () { return t("staff.nav.audit"); }, roles: ["supervisor", "admin"] },
    { href: "/hours", label: function () { return t("staff.nav.hours"); }, roles: ["supervisor", "admin"] },
    { href: "/canned", label: function () { return t("staff.nav.canned"); }, roles: ["supervisor", "admin"] },
    { href: "/webhooks", label: function () { return t("staff.nav.webhooks"); }, roles: ["admin"] }
  ];

  // Who is logged in on this page, and what the page does when that login ends mid-session.
  var session = { me: null, ended: null, title: null };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // Writes must echo the session's CSRF token, which only our own pages can read.
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)cs_csrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Resolves with the parsed body; rejects with {status, code, message} for any error answer.
  function api(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (method !== "GET") options.headers["X-CSRF-Token"] = csrfToken();
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var read = type.indexOf("json") >= 0 ? response.json() : response.text();
      return read.then(function (data) {
        if (response.ok) return data;
        if (response.status === 401 && session.me && session.ended) session.ended(false);
        var error = (data && data.error) || {};
        // A body that is not our JSON (a proxy's error page) is not shown whole.
        var plain = typeof data === "string" && data.length <= 200 && data.indexOf("<") < 0 ? data : "";
        throw { status: response.status, code: error.code || "error",
                message: error.message || plain || response.statusText || String(response.status) };
      });
    });
  }

  // Where notices go: a live region there from the start, since screen readers may not
  // announce one that appears together with its first words.
  function notices() {
    var box = document.getElementById("flash");
    if (!box) {
      box = el("div");
      box.id = "flash";
      box.setAttribute("role", "status");
      document.body.appendChild(box);
    }
    return box;
  }

  // A passing notice (kind: info, warn or error), read out by screen readers, gone in 8 s.
  function flash(text, kind) {
    var item = el("div", kind || "", text);
    notices().appendChild(item);
    setTimeout(function () { if (item.parentNode) item.parentNode.removeChild(item); }, 8000);
  }

  function topbar(title, me) {
    var bar = document.getElementById("topbar");
    clear(bar);
    bar.appendChild(el("h1", "brand", title));  // the page's one top-level heading
    var nav = el("nav");
    PAGES.forEach(function (p) {
      if (p.roles.indexOf(me.role) < 0) return;
      var a = el("a", null, p.label());
      a.href = p.href;
      if (p.href === location.pathname) a.setAttribute("aria-current", "page");
      nav.appendChild(a);
    });
    bar.appendChild(nav);
    bar.appendChild(el("span", "spacer"));
    var who = el("span", null, me.username + " ");
    who.id = "me-name";
    var role = el("span", "role", I18n.code("staff.role.", me.role));
    role.id = "me-role";
    bar.appendChild(who);
    bar.appendChild(role);
    bar.appendChild(languageSwitch(me));
    var out = el("button", null, t("staff.logout"));
    out.id = "logout";
    out.addEventListener("click", function () { logout(undefined); });
    bar.appendChild(out);
    var everywhere = el("button", null, t("staff.logout_everywhere"));
    everywhere.id = "logout-everywhere";
    everywhere.title = t("staff.logout_everywhere.title");
    everywhere.addEventListener("click", function () { logout({ everywhere: true }); });
    bar.appendChild(everywhere);
  }

  // A page that keeps live state lets go of it and shows the login form; any other page reloads,
  // which does the same. A page with live state signs out even if the server did not answer.
  function logout(body) {
    var done = api("POST", "/api/auth/logout", body);
    if (!session.ended) { done.then(function () { location.reload(); }); return; }
    done.catch(function () {}).then(function () { if (session.ended) session.ended(true); });
  }

  // The account's language, stored with it so every device follows; the page reloads to draw
  // every word again, including what it built from data.
  function languageSwitch(me) {
    var label = el("label", "language", t("staff.language") + " ");
    var select = el("select");
    select.id = "language";
    I18n.choices(select, me.language);
    select.addEventListener("change", function () {
      api("PUT", "/api/auth/me/language", { language: select.value })
        .then(function () { location.reload(); }, function (e) { flash(e.message, "error"); });
    });
    label.appendChild(select);
    return label;
  }

  // One login form for every staff page, built here rather than repeated in each page. Its
  // words carry their keys, so drawing the page in the account's language redraws them too.
  function loginForm(view, title) {
    // Until someone logs in, the form is all the page has: its main landmark.
    view.setAttribute("role", "main");
    var form = el("form");
    form.id = "login-form";
    form.appendChild(el("h1", null, title));
    [["login-username", "staff.login.username", t("staff.login.username"), "text", "username"],
     ["login-password", "staff.login.password", t("staff.login.password"), "password", "current-password"]]
      .forEach(function (f) {
        var label = el("label");
        var words = el("span", null, f[2]);
        words.setAttribute("data-i18n", f[1]);
        label.appendChild(words);
        label.appendChild(document.createTextNode(" "));
        var input = el("input");
        input.id = f[0];
        input.type = f[3];
        input.required = true;
        input.autocomplete = f[4];
        label.appendChild(input);
        form.appendChild(label);
      });
    var submit = el("button", null, t("staff.login.submit"));
    submit.id = "login-submit";
    submit.type = "submit";
    submit.setAttribute("data-i18n", "staff.login.submit");
    form.appendChild(submit);
    var error = el("p", "error");
    error.id = "login-error";
    error.setAttribute("role", "alert");
    form.appendChild(error);
    view.appendChild(form);
  }

  function showLogin(message) {
    document.getElementById("app").hidden = true;
    document.getElementById("login-view").hidden = false;
    document.getElementById("login-error").textContent = message || "";
    document.getElementById("login-password").value = "";
    document.getElementById("login-username").focus();
  }

  // Back to the login form, with why, in the language of the account that was logged in. A
  // page that keeps live state (the console's socket) calls this once it has let go of it;
  // logging in again calls its ready(me) again. The last account's notices go with it.
  function signOut(message) {
    session.me = null;
    if (session.title) document.querySelector("#login-form h1").textContent = session.title();
    var notices = document.getElementById("flash");
    if (notices) clear(notices);
    showLogin(message);
  }

  // Shows the login form until someone with one of `roles` is logged in, then calls ready(me).
  // `title` is a function: the page's name in whichever language is current when it is drawn.
  // options.refused(role): the page's own words for a role it turns away;
  // options.sessionEnded(loggedOut): the page keeps live state and lets go of it itself, when the
  // person logs out (true) or a request finds the login gone (false); see signOut.
  function start(title, roles, ready, options) {
    options = options || {};
    var loginView = document.getElementById("login-view");
    var app = document.getElementById("app");
    // Until someone logs in, the browser's language; then the account's.
    I18n.page();
    if (!document.getElementById("login-form")) loginForm(loginView, title());
    notices();
    session.ended = options.sessionEnded || null;
    session.title = title;
    function enter(me) {
      I18n.page(me.language);
      if (roles.indexOf(me.role) < 0) {
        signOut(options.refused ? options.refused(me.role) : t("staff.role_refused", { role: me.role }));
        return;
      }
      session.me = me;
      document.getElementById("login-password").value = "";
      loginView.hidden = true;
      app.hidden = false;
      topbar(title(), me);
      ready(me);
    }
    document.getElementById("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var error = document.getElementById("login-error"), submit = document.getElementById("login-submit");
      error.textContent = "";
      submit.disabled = true;
      api("POST", "/api/auth/login", {
        username: document.getElementById("login-username").value.trim(),
        password: document.getElementById("login-password").value
      // `me` rather than the login answer: it carries the account's language too.
      }).then(function () { return api("GET", "/api/auth/me"); }).then(enter, function (e) {
        error.textContent = e.status === 401 ? t("staff.login.wrong") : e.message;
      }).then(function () { submit.disabled = false; });
    });
    api("GET", "/api/auth/me").then(enter, function () { showLogin(""); });
  }

  // Numbers and times as people read them.
  function percent(value) { return value === null || value === undefined ? "–" : (value * 100).toFixed(1) + " %"; }
  function seconds(value) {
    if (value === null || value === undefined) return "–";
    var s = Math.round(value);
    return s < 60 ? t("staff.seconds", { s: s }) : t("staff.minutes_seconds", { m: Math.floor(s / 60), s: s % 60 });
  }
  function when(iso) { return iso ? I18n.when(iso) : "–"; }

  return { el: el, clear: clear, api: api, csrfToken: csrfToken, flash: flash, start: start, signOut: signOut,
           percent: percent, seconds: seconds, when: when };
})();
