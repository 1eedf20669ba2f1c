/* geoplatform map helpers: offline basemap and safe, bilingual feature popups.
 * Popups are assembled from DOM text nodes (never innerHTML), so names cannot inject markup. */
(function (global) {
  "use strict";

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function label(labels, list, code) {
    var rows = labels[list] || {};
    return rows[code] || code;
  }

  function addBasemap(map, url) {
    map.createPane("basemap");
    map.getPane("basemap").style.zIndex = 200;
    fetch(url).then(function (response) { return response.json(); }).then(function (data) {
      L.geoJSON(data, {
        pane: "basemap",
        interactive: false,
        attribution: "Natural Earth",
        style: function (feature) {
          // Taiwan is drawn as part of China (Natural Earth keeps it as a separate feature).
          var name = feature.properties && feature.properties.name;
          var china = name === "China" || name === "Taiwan";
          return {color: "#90a4ae", weight: 0.6, fillColor: china ? "#fff8e1" : "#eceff1", fillOpacity: 1};
        }
      }).addTo(map);
      map.getContainer().dataset.basemap = "loaded";
    });
    map.getContainer().style.background = "#cfe3f1";
    if (map.attributionControl) { map.attributionControl.setPrefix("Leaflet"); }
  }

  function bindPopup(feature, layer, options) {
    layer.bindPopup(function () {
      var p = feature.properties || {};
      var labels = options.labels || {};
      var box = el("div", null, "gp-popup");
      var title = p[labels.nameProperty] || p.name_zh || p.name_en || feature.id;
      box.appendChild(el("strong", title, "gp-popup-title"));
      var other = labels.nameProperty === "name_zh" ? p.name_en : p.name_zh;
      if (other) { box.appendChild(el("div", other, "gp-popup-subtitle")); }
      var dl = el("dl");
      function row(term, value) {
        if (value === undefined || value === null || value === "") { return; }
        dl.appendChild(el("dt", term));
        dl.appendChild(el("dd", value));
      }
      var commodities = (p.commodities || []).map(function (c) { return label(labels, "commodity", c); });
      row(labels.commoditiesTitle, commodities.join("、"));
      row(options.statusTitle || labels.statusTitle, label(labels, options.statusList, p[options.statusProperty]));
      row(labels.regionTitle, label(labels, "admin_region", p.region_code));
      box.appendChild(dl);
      var link = el("a", labels.detailsTitle, "gp-popup-link");
      link.href = options.pagePrefix + encodeURIComponent(feature.id);
      box.appendChild(link);
      return box;
    });
  }

  global.geoplatform = {addBasemap: addBasemap, bindPopup: bindPopup};
})(window);
