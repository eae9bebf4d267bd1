/* Charts, progressively enhanced: every [data-chart] figure already shows a server-rendered SVG <img>, its
 * summary and its data table. This script loads the vendored Vega, Vega-Lite and vega-embed from this site
 * (static/vendor/vega/, see its README) and draws the same Vega-Lite spec interactively (tooltips, the page's
 * width). The spec comes from the URL in data-chart-spec, or is the JSON in data-chart-inline (SQL results).
 * The site's CSP allows no eval and no inline style: Vega runs with its expression interpreter
 * (vega-interpreter) and vega-embed without its injected stylesheet (charts.css styles it).
 */
(function () {
  "use strict";

  var VENDOR = ["vega-6.4.0.min.js", "vega-lite-6.5.0.min.js", "vega-interpreter-2.3.2.js",
                "vega-embed-7.3.0.min.js"];
  var me = document.currentScript;
  var vendorBase = (me && me.src ? me.src.replace(/charts\.js(\?.*)?$/, "") : "/static/") + "vendor/vega/";

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = resolve;
      tag.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(tag);
    });
  }

  function loadVega() {
    if (window.vegaEmbed && window.vegaExpressionInterpreter) { return Promise.resolve(); }
    return VENDOR.reduce(function (ready, file) {
      return ready.then(function () { return loadScript(vendorBase + file); });
    }, Promise.resolve());
  }

  function specOf(figure) {
    var inline = figure.getAttribute("data-chart-inline");
    if (inline) { return Promise.resolve(JSON.parse(inline)); }
    return fetch(figure.getAttribute("data-chart-spec"), {headers: {"Accept": "application/json"},
                                                          credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error("chart spec: HTTP " + response.status); }
        return response.json();
      });
  }

  function draw(figure) {
    var view = figure.querySelector("[data-chart-view]");
    var img = figure.querySelector("[data-chart-img]");
    return specOf(figure).then(function (spec) {
      spec.width = "container";
      spec.autosize = {type: "fit-x", contains: "padding"};
      var target = document.createElement("div");
      target.className = "chart-interactive";
      target.setAttribute("role", "img");
      target.setAttribute("aria-label", img ? img.alt : (spec.description || ""));
      view.appendChild(target);
      return window.vegaEmbed(target, spec, {
        renderer: "svg", actions: false, ast: true, expr: window.vegaExpressionInterpreter,
        defaultStyle: false, tooltip: {disableDefaultStyle: true}
      }).then(function () {
        if (img) { img.hidden = true; }
        figure.setAttribute("data-chart-rendered", "interactive");
      });
    }).catch(function (error) {
      figure.setAttribute("data-chart-rendered", "image");  // the server's SVG stays: nothing is lost
      if (window.console) { console.warn(error); }
    });
  }

  function init() {
    var figures = document.querySelectorAll("[data-chart]");
    if (!figures.length || !window.Promise || !window.fetch) { return; }
    loadVega().then(function () {
      figures.forEach(draw);
    }).catch(function (error) {
      figures.forEach(function (f) { f.setAttribute("data-chart-rendered", "image"); });
      if (window.console) { console.warn(error); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
