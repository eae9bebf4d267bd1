/* A small SQL syntax highlighter for the /sql editor (our own code, no editor library).
 *
 * The editor is a plain <textarea> (it works without JavaScript); this script draws the same text, coloured,
 * in a <pre> placed exactly behind it and makes the textarea's own text transparent. The tokenizer knows what
 * matters for reading DuckDB SQL: comments, strings, quoted names, numbers, keywords and function calls.
 */
(function () {
  "use strict";

  var KEYWORDS = (
    "select from where group by order having limit offset as and or not in is null like ilike similar between " +
    "case when then else end join inner left right full outer cross natural on using union all distinct except " +
    "intersect with recursive asc desc nulls first last over partition rows range preceding following current " +
    "row window qualify filter exists any some true false cast try_cast interval pivot unpivot using describe " +
    "summarize show tables values table lateral sample glob escape collate materialized within"
  ).split(" ");
  var TYPES = (
    "integer int bigint smallint tinyint hugeint double float real decimal numeric varchar text string boolean " +
    "bool date time timestamp timestamptz blob uuid json"
  ).split(" ");
  var KEYWORD_SET = {};
  var TYPE_SET = {};
  KEYWORDS.forEach(function (k) { KEYWORD_SET[k] = true; });
  TYPES.forEach(function (k) { TYPE_SET[k] = true; });

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  /* Split SQL into [kind, text] tokens; every character of the input is in exactly one token. */
  function tokenize(sql) {
    var tokens = [];
    var i = 0;
    var n = sql.length;
    function push(kind, end) {
      tokens.push([kind, sql.slice(i, end)]);
      i = end;
    }
    while (i < n) {
      var c = sql[i];
      var rest = sql.slice(i);
      var m;
      if (c === "-" && sql[i + 1] === "-") {
        var nl = sql.indexOf("\n", i);
        push("comment", nl === -1 ? n : nl);
      } else if (c === "/" && sql[i + 1] === "*") {
        var close = sql.indexOf("*/", i + 2);
        push("comment", close === -1 ? n : close + 2);
      } else if (c === "'" || c === '"') {
        var j = i + 1;
        while (j < n) {
          if (sql[j] === c) {
            if (sql[j + 1] === c) { j += 2; continue; }  // '' or "" escapes the quote
            j += 1;
            break;
          }
          j += 1;
        }
        if (j > n) { j = n; }
        push(c === "'" ? "string" : "name", j);
      } else if ((m = /^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?/.exec(rest)) || (m = /^\.[0-9]+/.exec(rest))) {
        push("number", i + m[0].length);
      } else if ((m = /^[A-Za-z_\u00C0-\u024F\u1E00-\u1EFF][A-Za-z0-9_$\u00C0-\u024F\u1E00-\u1EFF]*/.exec(rest))) {
        var word = m[0];
        var lower = word.toLowerCase();
        var after = sql.slice(i + word.length).match(/^\s*\(/);
        var kind = KEYWORD_SET[lower] ? "keyword" : TYPE_SET[lower] ? "type" : after ? "function" : "ident";
        push(kind, i + word.length);
      } else if (/\s/.test(c)) {
        m = /^\s+/.exec(rest);
        push("space", i + m[0].length);
      } else if ((m = /^(<>|!=|<=|>=|::|\|\||->|=>|[-+*\/%<>=!~^&|])/.exec(rest))) {
        push("operator", i + m[0].length);
      } else {
        push("punct", i + 1);
      }
    }
    return tokens;
  }

  function highlight(sql) {
    return tokenize(sql).map(function (t) {
      var text = escapeHtml(t[1]);
      return t[0] === "space" || t[0] === "ident" || t[0] === "punct" ? text
        : '<span class="tok-' + t[0] + '">' + text + "</span>";
    }).join("");
  }

  /* Draw the highlighted copy behind a textarea and keep it in step (text, scroll, size). */
  function attach(wrapper) {
    var textarea = wrapper.querySelector("textarea");
    var code = wrapper.querySelector("[data-sql-highlight]");
    var pre = code && code.parentNode;
    if (!textarea || !code) { return; }
    function render() {
      // A trailing newline needs a character after it, or the <pre> is one line shorter than the textarea.
      code.innerHTML = highlight(textarea.value) + "\n ";
      pre.scrollTop = textarea.scrollTop;
      pre.scrollLeft = textarea.scrollLeft;
    }
    textarea.addEventListener("input", render);
    textarea.addEventListener("scroll", function () {
      pre.scrollTop = textarea.scrollTop;
      pre.scrollLeft = textarea.scrollLeft;
    });
    wrapper.classList.add("sql-highlight-on");
    render();
    wrapper.sqlRender = render;
  }

  window.SqlHighlight = { tokenize: tokenize, highlight: highlight, attach: attach };
})();
