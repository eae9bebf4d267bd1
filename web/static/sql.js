/* The /sql page's enhancements; the page works without them (a GET form and plain links).
 * - highlighting in the editor (sql-highlight.js),
 * - Ctrl/Cmd+Enter runs the query, Tab indents,
 * - buttons in the table list insert a table or column name at the cursor.
 */
(function () {
  "use strict";

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    var value = textarea.value;
    textarea.value = value.slice(0, start) + text + value.slice(end);
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    textarea.dispatchEvent(new Event("input"));
    textarea.focus();
  }

  function init() {
    var wrapper = document.querySelector("[data-sql-editor]");
    var form = document.getElementById("sql-form");
    var textarea = document.getElementById("sql-editor");
    if (!wrapper || !form || !textarea) { return; }
    if (window.SqlHighlight) { window.SqlHighlight.attach(wrapper); }

    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      } else if (event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey) {
        event.preventDefault();
        insertAtCursor(textarea, "  ");
      }
    });

    document.querySelectorAll("[data-insert]").forEach(function (button) {
      button.addEventListener("click", function () {
        insertAtCursor(textarea, button.getAttribute("data-insert"));
      });
    });

    form.addEventListener("submit", function () {
      var run = form.querySelector("[data-sql-run]");
      if (run) { run.setAttribute("aria-busy", "true"); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
