// Small enhancements only: every page works without this file (and no script is inline: CSP script-src 'self').
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Copy buttons next to code snippets (hidden without JavaScript).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target || !navigator.clipboard) { return; }
      var label = button.textContent;
      navigator.clipboard.writeText(target.textContent).then(function () {
        button.textContent = button.getAttribute("data-copied") || label;
        setTimeout(function () { button.textContent = label; }, 1600);
      });
    });
  });

  // Selects that apply themselves (the form keeps a submit button for use without JavaScript).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit(); }
    });
  });

  // The explorer's "add a condition" button clones the last (empty) filter row.
  document.querySelectorAll("[data-add-filter]").forEach(function (button) {
    var rows = button.form && button.form.querySelector("[data-filter-rows]");
    if (!rows) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var all = rows.querySelectorAll("[data-filter-row]");
      var copy = all[all.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      copy.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
      rows.appendChild(copy);
      var first = copy.querySelector("select");
      if (first) { first.focus(); }
    });
  });
})();
