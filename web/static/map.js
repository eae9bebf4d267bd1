/* Map pages (web/views/pages/maps.py): draw the page's GeoJSON with Leaflet (static/vendor/leaflet).
 * Points are clustered on a screen grid (48 px cells, redrawn on zoom): a cell with several points is one
 * marker that shows their count and zooms in when chosen. Boundaries (a choropleth) are coloured by their
 * joined "value" in five equal classes. No tile layer unless the page names one (data-tile-url): by default
 * nothing is loaded from another site. Popups are built as DOM nodes (row text is never parsed as HTML). */
(function () {
  "use strict";
  var el = document.querySelector("[data-map]");
  if (!el || !window.L) { return; }
  var PALETTE = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"];
  var CELL = 48;
  el.hidden = false;
  var note = document.querySelector("[data-map-nojs]");
  if (note) { note.hidden = true; }
  var map = L.map(el, { center: [21.03, 105.85], zoom: 10 });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    map.attributionControl.addAttribution(el.dataset.noBasemap || "");
  }

  // Numbers in the page's language (21,03748 and 20.000 in Vietnamese); years and codes without grouping,
  // by the rule of catalog/rows/display.py (a name word year/nam/code/ma/id).
  var lang = document.documentElement.lang || "vi";
  var PLAIN = /(^|[_\s-])(year|nam|code|ma|id)([_\s-]|$)/i;
  function shown(key, value) {
    if (typeof value !== "number" || !window.Intl) { return String(value); }
    return new Intl.NumberFormat(lang, {maximumFractionDigits: 20, useGrouping: !PLAIN.test(key)}).format(value);
  }

  function table(properties) {
    var t = document.createElement("table");
    t.className = "map-popup";
    Object.keys(properties || {}).forEach(function (key) {
      var row = t.insertRow();
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = key;
      row.appendChild(th);
      var value = properties[key];
      row.insertCell().textContent = value === null || value === undefined ? "" :
        (typeof value === "object" ? JSON.stringify(value) : shown(key, value));
    });
    return t;
  }

  function label(properties) {
    var keys = Object.keys(properties || {});
    for (var i = 0; i < keys.length; i++) {
      if (typeof properties[keys[i]] === "string") { return properties[keys[i]]; }
    }
    return "";
  }

  function drawPoints(points) {
    var layer = L.layerGroup().addTo(map);
    function redraw() {
      layer.clearLayers();
      var zoom = map.getZoom(), cells = {};
      points.forEach(function (pt) {
        var px = map.project(pt.ll, zoom);
        var key = Math.floor(px.x / CELL) + ":" + Math.floor(px.y / CELL);
        (cells[key] = cells[key] || []).push(pt);
      });
      Object.keys(cells).forEach(function (key) {
        var group = cells[key];
        if (group.length === 1) {
          L.marker(group[0].ll, { icon: L.divIcon({ className: "map-point", iconSize: [14, 14] }),
            title: label(group[0].properties) }).bindPopup(table(group[0].properties)).addTo(layer);
          return;
        }
        var lat = 0, lng = 0;
        group.forEach(function (pt) { lat += pt.ll.lat; lng += pt.ll.lng; });
        var center = L.latLng(lat / group.length, lng / group.length);
        var size = group.length < 10 ? 30 : group.length < 100 ? 36 : 44;
        var marker = L.marker(center, { title: String(group.length),
          icon: L.divIcon({ className: "map-cluster", html: String(group.length), iconSize: [size, size] }) });
        marker.on("click", function () {
          if (zoom >= map.getMaxZoom()) {
            marker.bindPopup(table(group[0].properties)).openPopup();
          } else {
            map.setView(center, Math.min(zoom + 2, map.getMaxZoom()));
          }
        });
        marker.addTo(layer);
      });
      el.dataset.markers = String(layer.getLayers().length);
    }
    map.on("zoomend", redraw);
    redraw();
  }

  function colour(value, low, high) {
    if (value === null || value === undefined) { return "#e5e7eb"; }
    var step = (high - low) / PALETTE.length || 1;
    return PALETTE[Math.min(PALETTE.length - 1, Math.max(0, Math.floor((value - low) / step)))];
  }

  function drawShapes(features, choropleth) {
    var values = features.map(function (f) { return f.properties && f.properties.value; })
      .filter(function (v) { return typeof v === "number"; });
    var low = Math.min.apply(null, values), high = Math.max.apply(null, values);
    var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (f) {
        return { color: "#374151", weight: 1, fillOpacity: 0.75,
          fillColor: choropleth ? colour(f.properties.value, low, high) : "#3b82f6" };
      },
      onEachFeature: function (f, shape) { shape.bindPopup(table(f.properties)); }
    }).addTo(map);
    if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { maxZoom: 14 }); }
  }

  fetch(el.dataset.geojson, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("map data: HTTP " + response.status); }
      return response.json();
    })
    .then(function (collection) {
      var points = [], shapes = [];
      (collection.features || []).forEach(function (f) {
        if (f.geometry && f.geometry.type === "Point") {
          points.push({ ll: L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]), properties: f.properties });
        } else if (f.geometry) {
          shapes.push(f);
        }
      });
      if (shapes.length) { drawShapes(shapes, el.dataset.choropleth === "1"); }
      if (points.length) {
        if (!shapes.length) {
          map.fitBounds(L.latLngBounds(points.map(function (p) { return p.ll; })).pad(0.1), { maxZoom: 14 });
        }
        drawPoints(points);
      }
      el.dataset.features = String((collection.features || []).length);
      el.dataset.ready = "1";
    })
    .catch(function (error) {
      el.dataset.ready = "error";
      var message = document.createElement("p");
      message.className = "notice notice-error";
      message.textContent = error.message;
      el.parentNode.insertBefore(message, el);
    });
}());
