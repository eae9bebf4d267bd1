// The explorer's value suggestions (issue 14): as one types in a filter's value box, the column's most frequent
// values matching the text (accents and case ignored) fill its <datalist>. Only an enhancement: without this
// file the explorer links to each column's values page (/datasets/<name>/values/<column>).
(function () {
  "use strict";
  var side = document.querySelector("[data-values-base]");
  if (!side || !window.fetch) { return; }
  var base = side.getAttribute("data-values-base");
  var timer = null;
  // counts in the page's language (20.000 in Vietnamese); the value itself stays as the data has it
  var counts = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || "vi") : null;
  function fill(input) {
    var row = input.closest("[data-filter-row]");
    var column = row && row.querySelector("select[name=_fc]");
    var list = input.list;
    if (!column || !column.value || !list) { return; }
    var url = base + encodeURIComponent(column.value) + "?format=json&q=" + encodeURIComponent(input.value);
    fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      list.textContent = "";
      data.values.forEach(function (item) {
        if (item.value === null) { return; }
        var option = document.createElement("option");
        option.value = String(item.value);
        option.label = String(item.value) + " (" + (counts ? counts.format(item.count) : item.count) + ")";
        list.appendChild(option);
      });
    }).catch(function () {});
  }
  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-values-input]")) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { fill(event.target); }, 200);
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-values-input]")) { fill(event.target); }
  });
}());
