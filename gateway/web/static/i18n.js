/* The words of a page, from the catalogues the server puts in place of the marker below
 * (gateway/texts/en.py and zh.py, UI). Prepended to every page script, so each page has `t`.
 * Catalogue text reaches the page through textContent and attributes only, like user text. */
var I18n = (function () {
  "use strict";
  var CATALOGUES = /*CATALOGUES*/{};
  var LANGUAGES = ["zh-CN", "en"];
  var language = pick([navigator.language].concat(navigator.languages || []));

  // "zh", "zh-CN", "zh-Hans-SG" read Chinese; anything else English.
  function pick(wanted) {
    for (var i = 0; i < wanted.length; i++) {
      var tag = String(wanted[i] || "").toLowerCase();
      if (tag.indexOf("zh") === 0) return "zh-CN";
      if (tag.indexOf("en") === 0) return "en";
    }
    return "en";
  }

  // A key missing from the catalogue shows as itself, which the browser tests look for.
  function t(key, fields) {
    var text = (CATALOGUES[language] || {})[key];
    if (text === undefined) return key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return fields && fields[name] !== undefined && fields[name] !== null ? String(fields[name]) : whole;
    });
  }

  // Static HTML names its words by key: data-i18n (text), -placeholder, -title, -aria-label.
  function apply(root) {
    ["", "placeholder", "title", "aria-label"].forEach(function (attribute) {
      var name = attribute ? "data-i18n-" + attribute : "data-i18n";
      var nodes = (root || document).querySelectorAll("[" + name + "]");
      for (var i = 0; i < nodes.length; i++) {
        var text = t(nodes[i].getAttribute(name));
        if (attribute) nodes[i].setAttribute(attribute, text);
        else nodes[i].textContent = text;
      }
    });
  }

  function use(wanted) {
    language = pick([wanted]);
    return language;
  }

  // A whole page (not the widget, a guest on someone else's page) in one language.
  function page(wanted) {
    document.documentElement.lang = use(wanted || language);
    apply(document);
  }

  // Fills a language <select>: each language by its own name ("中文", "English"), whatever the
  // page shows now, so someone who cannot read the current one still finds theirs.
  function choices(select, current) {
    while (select.firstChild) select.removeChild(select.firstChild);
    LANGUAGES.forEach(function (code) {
      var option = document.createElement("option");
      option.value = code;
      option.textContent = (CATALOGUES[code] || {})[NAME_KEY] || code;
      option.selected = code === current;
      select.appendChild(option);
    });
  }
  var NAME_KEY = "language.name";

  // A code the server sends (a category, a role) in the reader's words, or as itself when the
  // catalogue has no words for it: data from a newer server must not show as a key.
  function code(prefix, value) {
    var text = t(prefix + value);
    return text === prefix + value ? value : text;
  }

  // Dates and numbers in the reader's language too.
  function when(date, options) { return new Date(date).toLocaleString(language, options); }

  return { t: t, apply: apply, use: use, page: page, pick: pick, choices: choices, code: code, when: when,
           language: function () { return language; } };
})();
var t = I18n.t;
