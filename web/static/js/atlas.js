/* The map page (/): every layer of the registry drawn from geoplatform's vector tiles.
 *
 * Nothing is embedded in the page but its configuration (web/atlas.py). Each layer is a Leaflet
 * GridLayer whose tiles are canvases painted from /tiles/{layer}/{z}/{x}/{y}.mvt: clusters with
 * their counts up to the layer's cluster zoom, points (or outlines) above. The filter panel, the
 * count beside it and the choropleths use the same filter parameters as the tiles, so what is drawn,
 * counted and coloured agree. The view, the layers shown, the filters and the choropleth live in the
 * URL (filters in the query, the rest in the hash), so a view can be shared.
 *
 * Hit-testing is done on what each tile painted (kept per tile), so a click opens the popup of the
 * symbol under the pointer, or lists a small cluster's records, or zooms into a large one.
 */
import {VectorTile} from "@mapbox/vector-tile";
import Pbf from "pbf";

const G = window.geoplatform;
const cfg = JSON.parse(document.getElementById("atlas-config").textContent);
const L_ = cfg.labels;
const TILE = 256;
const container = document.getElementById("atlas");
const numbers = new Intl.NumberFormat(L_.lang === "zh" ? "zh-CN" : "en");
const compact = new Intl.NumberFormat(L_.lang === "zh" ? "zh-CN" : "en", {notation: "compact", maximumFractionDigits: 1});
const CHORO_COLOURS = ["#fff3e0", "#ffcc80", "#ffa726", "#f57c00", "#bf360c"];
const GREY = "#757575";

// ---- state kept in the URL ------------------------------------------------------------------

const state = {
  filters: Object.assign({}, cfg.filters),
  layers: new Set(cfg.layers.filter((l) => l.shown).map((l) => l.name)),
  choropleth: "",
  view: null,
};

(function readHash() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const view = (hash.get("map") || "").split("/").map(Number);
  if (view.length === 3 && view.every(Number.isFinite)) { state.view = view; }
  if (hash.has("layers")) {
    const known = new Set(cfg.layers.map((l) => l.name));
    state.layers = new Set(hash.get("layers").split(",").filter((name) => known.has(name)));
  }
  if (["country", "province"].includes(hash.get("choropleth"))) { state.choropleth = hash.get("choropleth"); }
})();

function writeUrl() {
  const query = new URLSearchParams(state.filters);
  if (L_.lang) { query.set("lang", L_.lang); }
  const centre = map.getCenter();
  const hash = new URLSearchParams();
  hash.set("map", [map.getZoom(), centre.lat.toFixed(4), centre.lng.toFixed(4)].join("/"));
  hash.set("layers", [...state.layers].join(","));
  if (state.choropleth) { hash.set("choropleth", state.choropleth); }
  history.replaceState(null, "", "?" + query.toString() + "#" + hash.toString().replace(/%2F/g, "/").replace(/%2C/g, ","));
  // The language switch keeps the view, the layers and the filters.
  for (const link of document.querySelectorAll("a[hreflang]")) {
    const other = new URLSearchParams(state.filters);
    other.set("lang", link.hreflang);
    link.href = location.pathname + "?" + other.toString() + location.hash;
  }
}

function filtersFor(entry) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(state.filters)) {
    if (value && entry.filters.includes(name)) { query.set(name, value); }
  }
  return query.toString();
}

// ---- painting -------------------------------------------------------------------------------

function clusterColour(entry, props) {
  // A cluster takes the colour of its largest group: primary commodity for deposits, stage or
  // timetable state for projects and approvals.
  const [prefix, palette] = entry.style === "commodity" ? ["c_", cfg.colours.commodity]
    : entry.style === "stage" ? ["s_", cfg.colours.stage] : ["s_", cfg.colours.timetable];
  let best = null, most = -1;
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith(prefix) && value > most) { best = key.slice(prefix.length); most = value; }
  }
  return palette[best] || GREY;
}

function pointStyle(entry, p) {
  if (entry.style === "commodity") {
    return {shape: "circle", r: cfg.sizeRadius[p.size_class] || 4.5, fill: cfg.colours.commodity[p.primary_commodity] || GREY, stroke: "#ffffff"};
  }
  if (entry.style === "stage") { return {shape: "square", r: 6, fill: cfg.colours.stage[p.stage] || GREY, stroke: "#263238"}; }
  if (entry.style === "timetable") { return {shape: "diamond", r: 8, fill: cfg.colours.timetable[p.timetable] || GREY, stroke: "#263238"}; }
  return {shape: "circle", r: 4, fill: GREY, stroke: "#ffffff"};
}

function symbol(ctx, x, y, s) {
  ctx.beginPath();
  if (s.shape === "square") { ctx.rect(x - s.r, y - s.r, 2 * s.r, 2 * s.r); }
  else if (s.shape === "diamond") { ctx.moveTo(x, y - s.r); ctx.lineTo(x + s.r, y); ctx.lineTo(x, y + s.r); ctx.lineTo(x - s.r, y); ctx.closePath(); }
  else { ctx.arc(x, y, s.r, 0, 2 * Math.PI); }
  ctx.fillStyle = s.fill;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = s.stroke;
  ctx.stroke();
}

function paintCluster(ctx, x, y, count, colour) {
  const r = count === 1 ? 5 : 9 + 3.2 * Math.log10(count);
  ctx.beginPath();
  ctx.arc(x, y, r + 3, 0, 2 * Math.PI);
  ctx.fillStyle = colour + "55";
  ctx.fill();
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  if (count > 1) {
    ctx.fillStyle = "#ffffff";
    ctx.font = "bold 11px system-ui, 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(compact.format(count), x, y + 0.5);
  }
  return r + 3;
}

function ringsPath(rings, scale) {
  const path = new Path2D();
  for (const ring of rings) {
    ring.forEach((pt, i) => (i ? path.lineTo(pt.x * scale, pt.y * scale) : path.moveTo(pt.x * scale, pt.y * scale)));
    path.closePath();
  }
  return path;
}

// One tile: decode, paint, and return what was painted (for hit-testing), in tile pixels.
function paintTile(entry, canvas, buffer) {
  const ratio = window.devicePixelRatio || 1;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const layer = new VectorTile(new Pbf(buffer)).layers[entry.name];
  const painted = [];
  if (!layer) { return painted; }
  const scale = TILE / layer.extent;
  const points = [];
  for (let i = 0; i < layer.length; i++) {
    const feature = layer.feature(i);
    const props = feature.properties;
    if (feature.type === 3) {
      const path = ringsPath(feature.loadGeometry(), scale);
      const footprint = entry.style === "footprint";
      ctx.fillStyle = footprint ? "rgba(255, 112, 67, 0.28)" : "rgba(0, 0, 0, 0)";
      ctx.fill(path, "evenodd");
      ctx.lineWidth = footprint ? 1.2 : 0.8;
      ctx.strokeStyle = footprint ? "#bf360c" : "#5c6bc0";
      ctx.stroke(path);
      painted.push({path, props});
    } else if (feature.type === 1) {
      for (const ring of feature.loadGeometry()) {
        for (const pt of ring) { points.push({x: pt.x * scale, y: pt.y * scale, props}); }
      }
    }
  }
  // Large symbols first, so that small ones stay visible and clickable on top.
  points.sort((a, b) => (b.props.count || 0) - (a.props.count || 0));
  for (const pt of points) {
    if (pt.props.cluster) {
      const r = paintCluster(ctx, pt.x, pt.y, pt.props.count, clusterColour(entry, pt.props));
      painted.push({x: pt.x, y: pt.y, r, props: pt.props, cluster: true});
    } else {
      const style = pointStyle(entry, pt.props);
      symbol(ctx, pt.x, pt.y, style);
      painted.push({x: pt.x, y: pt.y, r: style.r + 2, props: pt.props});
    }
  }
  return painted;
}

const TileCanvas = L.GridLayer.extend({
  initialize(entry, options) {
    L.GridLayer.prototype.initialize.call(this, options);
    this.entry = entry;
    this.query = filtersFor(entry);
    this.painted = new Map();
    // What each tile painted, by its canvas: the copies of one tile on either side of the antimeridian
    // are two canvases, and a tile is known by the canvas Leaflet unloads (its event's coordinates are
    // not wrapped, those the tile was drawn for are).
    this.on("tileunload", (event) => {
      if (event.tile.abort) { event.tile.abort.abort(); }
      this.painted.delete(event.tile);
    });
  },
  setQuery(query) {
    if (query === this.query) { return; }
    this.query = query;
    this.painted.clear();
    this.redraw();
  },
  createTile(coords, done) {
    const ratio = window.devicePixelRatio || 1;
    const canvas = L.DomUtil.create("canvas", "gp-tile");
    canvas.width = TILE * ratio;
    canvas.height = TILE * ratio;
    canvas.style.width = canvas.style.height = TILE + "px";
    const url = this.entry.tiles.replace("{z}", coords.z).replace("{x}", coords.x).replace("{y}", coords.y) + (this.query ? "?" + this.query : "");
    const controller = new AbortController();
    canvas.abort = controller;
    fetch(url, {signal: controller.signal})
      .then((response) => {
        if (!response.ok) { throw new Error(response.status + " " + url); }
        return response.arrayBuffer();
      })
      .then((buffer) => {
        // A tile removed while its body was read is gone: keeping what it painted would leave ghost
        // symbols for the hit-test (and the memory) long after the view moved on.
        if (controller.signal.aborted) { return; }
        this.painted.set(canvas, {canvas, items: paintTile(this.entry, canvas, buffer), coords});
        done(null, canvas);
      })
      .catch((error) => { if (error.name !== "AbortError") { done(error, canvas); } });
    return canvas;
  },
  // What was painted under a container point, topmost first.
  hitAt(latlng) {
    const zoom = map.getZoom();
    const p = map.project(latlng, zoom);
    const n = 2 ** zoom;
    const tx = Math.floor(p.x / TILE), ty = Math.floor(p.y / TILE);
    const found = [];
    // A symbol near a tile's edge is painted in its neighbour too (the tile buffer): look at both.
    const byKey = new Map([...this.painted.values()].filter((t) => t.coords.z === zoom).map((t) => [tileKey(t.coords), t]));
    for (const [dx, dy] of [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]]) {
      const tile = byKey.get(tileKey({x: (((tx + dx) % n) + n) % n, y: ty + dy, z: zoom}));
      if (!tile) { continue; }
      const x = p.x - (tx + dx) * TILE, y = p.y - (ty + dy) * TILE;
      for (let i = tile.items.length - 1; i >= 0; i--) {
        const item = tile.items[i];
        if (item.path) {
          if (probe.isPointInPath(item.path, x, y, "evenodd")) { found.push({item, tile, d: 1e9}); }
        } else {
          const d = Math.hypot(item.x - x, item.y - y);
          if (d <= item.r) { found.push({item, tile, d}); }
        }
      }
      if (found.length) { break; }
    }
    found.sort((a, b) => a.d - b.d);
    return found[0] || null;
  },
});

const probe = document.createElement("canvas").getContext("2d");
function tileKey(c) { return c.z + "/" + c.x + "/" + c.y; }

// ---- the map --------------------------------------------------------------------------------

const map = L.map(container, {worldCopyJump: true, zoomControl: true, minZoom: 1, maxZoom: 18, preferCanvas: true});
L.control.scale().addTo(map);
if (state.view) { map.setView([state.view[1], state.view[2]], state.view[0]); }
else { map.setView([30, 100], 3); }
const basemap = G.addBasemap(map, cfg.basemap);

const baseLayers = {};
if (cfg.onlineTiles) {
  baseLayers[cfg.titles.offline] = L.layerGroup();
  baseLayers[cfg.titles.online] = L.tileLayer(cfg.onlineTiles.url, {attribution: cfg.onlineTiles.attribution, maxZoom: 18});
  baseLayers[cfg.titles.offline].addTo(map);
}

// Drawing order, top first: approvals over projects over deposits over footprints over boundaries.
const Z_ORDER = ["approvals", "projects", "deposits", "deposit_footprints"];
const zOf = (entry) => (Z_ORDER.includes(entry.name) ? 460 - 10 * Z_ORDER.indexOf(entry.name) : 410);
let layers = [];
layers = cfg.layers.map((entry) => {
  map.createPane("gp-" + entry.name);
  map.getPane("gp-" + entry.name).style.zIndex = String(zOf(entry));
  const layer = new TileCanvas(entry, {pane: "gp-" + entry.name, minZoom: entry.minZoom, maxZoom: 18, keepBuffer: 1, updateWhenZooming: false});
  layer.on("loading load", updateBusy);
  if (state.layers.has(entry.name)) { layer.addTo(map); }
  return layer;
}).sort((a, b) => zOf(b.entry) - zOf(a.entry));
// The layer control lists layers in the registry's order.
L.control.layers(baseLayers, Object.fromEntries(cfg.layers.map((entry) => [entry.title, layers.find((l) => l.entry === entry)])), {collapsed: false}).addTo(map);

function updateBusy() {
  const busy = layers.some((layer) => map.hasLayer(layer) && layer.isLoading && layer.isLoading());
  container.dataset.tiles = busy ? "loading" : "idle";
}

// What each layer has painted in the tiles now loaded (records counted once), for tests and tools.
window.geoplatformAtlas = {
  map,
  state,
  layers,
  painted(name) {
    const layer = layers.find((l) => l.entry.name === name);
    if (!layer || !map.hasLayer(layer)) { return {points: 0, clusters: 0, records: 0}; }
    const seen = new Set(), totals = {points: 0, clusters: 0, records: 0};
    // Tiles of the zoom shown: those of the zoom left behind stay a moment, until the new ones are in.
    for (const tile of [...layer.painted.values()].filter((t) => t.coords.z === map.getZoom())) {
      for (const item of tile.items) {
        const key = item.cluster ? tileKey(tile.coords) + ":" + item.x + ":" + item.y : item.props.code || JSON.stringify(item.props);
        if (seen.has(key)) { continue; }
        seen.add(key);
        if (item.cluster) { totals.clusters += 1; totals.records += item.props.count; } else { totals.points += 1; totals.records += 1; }
      }
    }
    return totals;
  },
};

map.on("overlayadd overlayremove", (event) => {
  const entry = event.layer.entry;
  if (!entry) { return; }
  if (event.type === "overlayadd") { state.layers.add(entry.name); } else { state.layers.delete(entry.name); }
  writeUrl();
  refreshCounts();
  updateBusy();
});
map.on("moveend", writeUrl);
// "Search this area" searches what the map shows.
const areaBox = document.getElementById("area-search-bbox");
const keepArea = () => { areaBox.value = G.areaOf(map); };
map.on("moveend", keepArea);
keepArea();

// ---- popups ---------------------------------------------------------------------------------

function popupOptions(entry) {
  const lists = {deposits: "development_status", deposit_footprints: "development_status", projects: "project_stage", approvals: "timetable"};
  const titles = {projects: L_.stageTitle, approvals: L_.timetableTitle};
  return {labels: L_, pagePrefix: entry.record, statusProperty: entry.statusProperty, statusList: lists[entry.name], statusTitle: titles[entry.name]};
}

function recordPopup(entry, props, latlng) {
  const id = props.code || props[Object.keys(props)[0]];
  const options = popupOptions(entry);
  const popup = L.popup({maxWidth: 320}).setLatLng(latlng).setContent(G.popupContent(props, id, options)).openOn(map);
  if (!props.code) { return; }
  // The tile carries the essentials; the feature itself adds every commodity and the region.
  fetch(entry.item + encodeURIComponent(props.code) + "?f=json")
    .then((response) => (response.ok ? response.json() : null))
    .then((feature) => {
      if (feature && popup.isOpen()) { popup.setContent(G.popupContent(Object.assign({}, props, feature.properties), id, options)); }
    })
    .catch(() => {});
}

function cellBounds(tile, item) {
  // The grid has 8 x 8 cells per tile; a cluster's point lies in its own cell.
  const cell = TILE / 8, z = tile.coords.z;
  const x0 = tile.coords.x * TILE + Math.floor(item.x / cell) * cell, y0 = tile.coords.y * TILE + Math.floor(item.y / cell) * cell;
  return L.latLngBounds(map.unproject([x0, y0 + cell], z), map.unproject([x0 + cell, y0], z));
}

const LIST_AT_MOST = 12;

function clusterClick(entry, hit) {
  const bounds = cellBounds(hit.tile, hit.item);
  if (hit.item.props.count > LIST_AT_MOST) {
    map.fitBounds(bounds, {maxZoom: Math.min(map.getZoom() + 3, entry.clusterMaxZoom + 1)});
    return;
  }
  const box = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => v.toFixed(6)).join(",");
  const query = filtersFor(entry);
  const url = entry.item.replace(/\/$/, "") + "?f=json&limit=" + LIST_AT_MOST + "&bbox=" + box + (query ? "&" + query : "");
  const popup = L.popup({maxWidth: 320}).setLatLng(map.unproject([hit.tile.coords.x * TILE + hit.item.x, hit.tile.coords.y * TILE + hit.item.y], hit.tile.coords.z))
    .setContent(G.el("div", L_.loading, "gp-popup")).openOn(map);
  fetch(url).then((response) => response.json()).then((page) => {
    const features = page.features || [];
    if (features.length === 1) {
      popup.setContent(G.popupContent(features[0].properties, features[0].id, popupOptions(entry)));
      return;
    }
    const list = G.el("div", null, "gp-popup");
    list.appendChild(G.el("strong", L_.clusterOf.replace("%(n)s", numbers.format(hit.item.props.count)), "gp-popup-title"));
    const ul = G.el("ul", null, "gp-popup-list");
    for (const feature of features) {
      const li = G.el("li");
      const a = G.el("a", feature.properties[L_.nameProperty] || feature.properties.name || feature.id);
      a.href = entry.record + encodeURIComponent(feature.id);
      li.appendChild(a);
      ul.appendChild(li);
    }
    list.appendChild(ul);
    const zoom = G.el("button", L_.zoomIn, "gp-popup-zoom");
    zoom.type = "button";
    zoom.addEventListener("click", () => { map.closePopup(); map.fitBounds(bounds, {maxZoom: entry.clusterMaxZoom + 1}); });
    list.appendChild(zoom);
    popup.setContent(list);
  }).catch(() => popup.setContent(G.el("div", L_.loading, "gp-popup")));
}

function hitOnTop(latlng) {
  for (const layer of layers) {
    if (!map.hasLayer(layer)) { continue; }
    const hit = layer.hitAt(latlng);
    if (hit) { return {layer, hit}; }
  }
  return null;
}

map.on("click", (event) => {
  const found = hitOnTop(event.latlng);
  if (!found) { return; }
  const {layer, hit} = found;
  if (hit.item.cluster) { clusterClick(layer.entry, hit); return; }
  const at = hit.item.path ? event.latlng : map.unproject([hit.tile.coords.x * TILE + hit.item.x, hit.tile.coords.y * TILE + hit.item.y], hit.tile.coords.z);
  // Keep the popup on the copy of the world that was clicked.
  const shift = Math.round((event.latlng.lng - at.lng) / 360) * 360;
  recordPopup(layer.entry, hit.item.props, L.latLng(at.lat, at.lng + shift));
});

map.on("mousemove", (event) => {
  container.style.cursor = hitOnTop(event.latlng) ? "pointer" : "";
});

// ---- filters, counts and choropleths --------------------------------------------------------

const form = document.getElementById("map-filters");
const output = document.getElementById("map-counts");
let countTicket = 0;

function refreshCounts() {
  const ticket = ++countTicket;
  const shown = cfg.layers.map((entry) => layers.find((l) => l.entry === entry))
    .filter((layer) => layer.entry.counted && map.hasLayer(layer));
  if (!shown.length) { output.textContent = ""; return; }
  output.textContent = L_.loading;
  const asks = shown.map((layer) => {
    const query = filtersFor(layer.entry);
    return fetch(layer.entry.counts + (query ? "?" + query : "")).then((r) => r.json()).then((body) => [layer.entry, body.numberMatched]);
  });
  Promise.all(asks).then((answers) => {
    if (ticket !== countTicket) { return; }
    const parts = answers.map(([entry, n]) => entry.title + " " + (n === null || n === undefined ? L_.unknownCount : numbers.format(n)));
    output.textContent = parts.join(" · ");
    output.dataset.counts = JSON.stringify(Object.fromEntries(answers.map(([entry, n]) => [entry.name, n])));
    if (answers.every(([, n]) => n === 0)) { output.textContent += " — " + L_.noMatches; }
  }).catch(() => { if (ticket === countTicket) { output.textContent = L_.unknownCount; } });
}

let choroTicket = 0;
function refreshChoropleth() {
  const legend = document.getElementById("choropleth-legend");
  const ticket = ++choroTicket;
  if (!state.choropleth) { basemap.restyle(null); legend.hidden = true; container.dataset.choropleth = ""; return; }
  const entry = cfg.layers.find((l) => l.name === "deposits");
  const query = filtersFor(entry);
  fetch(entry.counts + "?by=" + state.choropleth + (query ? "&" + query : "")).then((r) => r.json()).then((body) => {
    if (ticket !== choroTicket) { return; }
    const counts = body.counts || {};
    const top = Math.max(1, ...Object.values(counts));
    const classOf = (n) => (n ? Math.min(CHORO_COLOURS.length - 1, Math.floor((Math.log10(n) / Math.log10(top + 1)) * CHORO_COLOURS.length)) : -1);
    const kind = state.choropleth === "country" ? "country" : "province";
    basemap.restyle((p) => {
      if (p.kind !== kind) { return null; }
      const n = counts[kind === "country" ? p.country_code : p.region_code] || 0;
      const k = classOf(n);
      return k < 0 ? (kind === "province" ? null : {fillColor: "#f5f5f5"}) : {fill: true, fillColor: CHORO_COLOURS[k], fillOpacity: 0.85};
    });
    const ul = legend.querySelector("ul");
    ul.replaceChildren();
    const bounds = [];
    for (let k = 0; k < CHORO_COLOURS.length; k++) {
      const low = Math.ceil(10 ** ((k / CHORO_COLOURS.length) * Math.log10(top + 1)));
      const high = Math.floor(10 ** (((k + 1) / CHORO_COLOURS.length) * Math.log10(top + 1)) - 1e-9);
      if (high >= low) { bounds.push([CHORO_COLOURS[k], low === high ? numbers.format(low) : numbers.format(low) + "–" + numbers.format(Math.min(high, top))]); }
    }
    for (const [colour, text] of bounds) {
      const li = G.el("li");
      const swatch = G.el("span", null, "gp-swatch");
      swatch.style.background = colour;
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(text));
      ul.appendChild(li);
    }
    legend.hidden = false;
    container.dataset.choropleth = state.choropleth;
    container.dataset.choroplethAreas = String(Object.keys(counts).length);
  });
}

function applyFilters() {
  state.filters = {};
  for (const select of form.querySelectorAll("select[data-filter]")) {
    if (select.value) { state.filters[select.name] = select.value; }
  }
  for (const layer of layers) { layer.setQuery(filtersFor(layer.entry)); }
  document.getElementById("clear-filters").hidden = !Object.keys(state.filters).length;
  const geojson = document.getElementById("map-geojson");
  // /api/v1 takes the filters it has always taken (size class, stage and green channel are OGC API queryables).
  const v1 = ["commodity", "status", "country", "region", "abroad", "chinese_stake"];
  geojson.href = geojson.href.split("?")[0] + "?" + new URLSearchParams(Object.entries(state.filters).filter(([name]) => v1.includes(name))).toString();
  writeUrl();
  refreshCounts();
  refreshChoropleth();
}

form.addEventListener("change", (event) => {
  if (event.target.id === "choropleth") {
    state.choropleth = event.target.value;
    writeUrl();
    refreshChoropleth();
    return;
  }
  applyFilters();
});
form.addEventListener("submit", (event) => { event.preventDefault(); applyFilters(); });
document.getElementById("clear-filters").addEventListener("click", (event) => {
  event.preventDefault();
  for (const select of form.querySelectorAll("select[data-filter]")) { select.value = ""; }
  applyFilters();
});

document.getElementById("choropleth").value = state.choropleth;
if (!state.view && Object.keys(state.filters).length) {
  // A filtered map opened without a view is framed on what it shows.
  const entry = cfg.layers.find((l) => l.name === "deposits");
  fetch(entry.counts + "?extent=true&" + filtersFor(entry)).then((r) => r.json()).then((body) => {
    if (body.extent) {
      const [w, s, e, n] = body.extent;
      map.fitBounds([[s, w], [n, e]], {maxZoom: 8, padding: [30, 30]});
      container.dataset.framed = "true";
    }
  });
}
writeUrl();
refreshCounts();
refreshChoropleth();
updateBusy();
container.dataset.ready = "true";
