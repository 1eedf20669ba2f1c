"""The map page's configuration: which layers it draws from which tiles, the filter panel, the legend.

The page embeds no features. The browser reads every point layer from the vector tiles
(``/tiles/{collectionId}/{z}/{x}/{y}.mvt``, clusters with counts at low zoom, points above), the
counts beside the panel and the choropleths from ``/api/v1/counts/{collectionId}``, and a popup's
details from the OGC API item; all take the same filter parameters, so what is drawn, what is
counted and what is coloured always agree. This module only says what there is; drawing is
``static/js/atlas.js``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from layers.registry import Layer
from web import context
from web.floor import RECORD_PAGES, published_layers
from web.i18n import current_language, label
from web.messages import GROUPS
from web.timeline import TIMETABLE_COLOURS

CATALOGUE = ("deposits", "deposit_footprints", "projects", "approvals")
DEPOSIT_LAYERS = ("deposits", "deposit_footprints")
PROJECT_LAYERS = ("projects", "approvals")


@dataclass(frozen=True)
class PanelFilter:
    """One control of the filter panel: its URL parameter, which layers it narrows, its choices."""

    name: str
    title: Any
    """Its label, a lazy gettext string (translated when shown)."""
    layers: tuple[str, ...]
    codelist: str | None = None
    boolean: bool = False


PANEL = (
    PanelFilter("commodity", lazy_gettext("Commodities"), CATALOGUE, codelist="commodity"),
    PanelFilter("status", lazy_gettext("Deposit status"), DEPOSIT_LAYERS, codelist="development_status"),
    PanelFilter("size_class", lazy_gettext("Size class"), DEPOSIT_LAYERS, codelist="size_class"),
    PanelFilter("stage", lazy_gettext("Project stage"), PROJECT_LAYERS, codelist="project_stage"),
    PanelFilter("country", lazy_gettext("Country"), CATALOGUE),
    PanelFilter("region", lazy_gettext("Province"), CATALOGUE),
    PanelFilter("abroad", lazy_gettext("At home / abroad"), CATALOGUE),
    PanelFilter("green_channel", lazy_gettext("Green channel"), PROJECT_LAYERS, boolean=True),
    PanelFilter("chinese_stake", lazy_gettext("Chinese stake"), CATALOGUE, boolean=True),
)
PANEL_NAMES = tuple(f.name for f in PANEL)

COMMODITY_COLOURS = {
    "lithium": "#8e24aa",
    "cobalt": "#1e88e5",
    "nickel": "#00897b",
    "copper": "#e65100",
    "rare_earths": "#c2185b",
    "tungsten": "#5d4037",
    "graphite": "#212121",
    "tin": "#78909c",
    "molybdenum": "#3949ab",
    "antimony": "#6d4c41",
    "zirconium": "#8d6e63",
    "gold": "#f9a825",
    "iron": "#b71c1c",
    "chromium": "#2e7d32",
    "aluminium": "#9e9e9e",
    "uranium": "#c0ca33",
    "potash": "#ef6c00",
    "phosphate": "#43a047",
    "fluorite": "#26a69a",
    "pgm": "#90a4ae",
    "platinum": "#90a4ae",
    "palladium": "#b0bec5",
    "coal": "#37474f",
    "petroleum": "#4e342e",
    "natural_gas": "#0277bd",
    "shale_gas": "#0288d1",
    "coalbed_methane": "#01579b",
}
"""Deposit symbols by primary commodity, the minerals of the strategic list first (the legend's
order); a commodity without its own colour is drawn grey."""
GREY = "#757575"

SIZE_RADIUS = {"large": 7.5, "medium": 5.5, "small": 4}
"""Deposit symbol radius in CSS pixels by size class (no size class: 4.5)."""

STAGE_COLOURS = {
    "planning": "#1e88e5",
    "permitting": "#8e24aa",
    "construction": "#fb8c00",
    "commissioning": "#7cb342",
    "operation": "#2e7d32",
    "suspended": "#f4511e",
    "closed": "#424242",
}

STYLES = {
    "deposits": "commodity",
    "deposit_footprints": "footprint",
    "projects": "stage",
    "approvals": "timetable",
}
"""How each layer is drawn; layers not named here (the boundaries) are drawn as outlines."""

SHOWN = ("deposits", "projects", "deposit_footprints")


def panel_filters(args: Any) -> dict[str, str]:
    """The panel's filters as asked for in the URL (empty ones dropped)."""
    return {name: args[name].strip() for name in PANEL_NAMES if args.get(name, "").strip()}


def layer_filters(layer: Layer, filters: dict[str, str]) -> dict[str, str]:
    """Those of ``filters`` that narrow ``layer`` (a deposit's size class does not narrow projects)."""
    return {f.name: filters[f.name] for f in PANEL if f.name in filters and layer.name in f.layers}


def _codes(name: str, strategic_only: bool = False) -> list[str]:
    rows = context.codelists()[name]
    return [code for code, row in rows.items() if not strategic_only or row.get("strategic")]


def labels() -> dict[str, Any]:
    """Codelist labels and popup titles in the current language, for the browser (built once per
    request: the legend, the panel and the page's configuration all read them)."""
    if "atlas_labels" not in g:
        g.atlas_labels = _labels()
    return g.atlas_labels


def _labels() -> dict[str, Any]:
    lists = context.codelists()
    wanted = ("commodity", "development_status", "project_stage", "country", "size_class")
    found: dict[str, Any] = {name: {code: label(row) for code, row in lists[name].items()} for name in wanted}
    found["admin_region"] = {
        code: label(row) for code, row in lists["admin_region"].items() if row["level"] == "province"
    }
    found["timetable"] = {state: str(GROUPS["timetable"][state]) for state in TIMETABLE_COLOURS}
    found.update(
        nameProperty="name_zh" if current_language() == "zh" else "name_en",
        commoditiesTitle=_("Commodities"),
        statusTitle=_("Development status"),
        stageTitle=_("Project stage"),
        sizeTitle=_("Size class"),
        timetableTitle=_("Timetable"),
        nextDueTitle=_("Next deadline"),
        countryTitle=_("Country"),
        regionTitle=_("Region"),
        chineseStakeTitle=_("Chinese stake"),
        greenChannelTitle=_("Green channel"),
        yes=_("yes"),
        detailsTitle=_("Details"),
        zoomIn=_("Zoom in here"),
        clusterOf=_("%(n)s records here"),
        matched=_("matching"),
        unknownCount=_("count unknown"),
        noMatches=_("Nothing matches these filters; try fewer."),
        loading=_("Loading…"),
        lang=current_language(),
    )
    return found


def _layer_entry(layer: Layer) -> dict[str, Any]:
    style = STYLES.get(layer.name, "outline")
    accepted = sorted({f.name for f in PANEL if layer.name in f.layers})
    return {
        "name": layer.name,
        "title": layer.title_zh if current_language() == "zh" else layer.title_en,
        "style": style,
        "tiles": url_for("tiles.tile", collection_id=layer.name, z=0, x=0, y=0).replace(
            "/0/0/0.mvt", "/{z}/{x}/{y}.mvt"
        ),
        "item": url_for("ogcapi.item", collection_id=layer.name, feature_id="ID").removesuffix("ID"),
        "counts": url_for("api.area_counts", layer_name=layer.name),
        "record": RECORD_PAGES.get(layer.name),
        "statusProperty": layer.status_column,
        "clusterMaxZoom": layer.cluster_max_zoom,
        "minZoom": layer.min_zoom,
        "filters": accepted,
        "shown": layer.name in SHOWN,
        "counted": layer.name in CATALOGUE,
    }


def legend() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(title, shape, [(colour, label)]) per symbolised layer, in the current language."""
    names = labels()
    commodities = [(colour, names["commodity"].get(code, code)) for code, colour in COMMODITY_COLOURS.items()]
    commodities.append((GREY, _("Other")))
    stages = [(STAGE_COLOURS.get(c, "#616161"), names["project_stage"].get(c, c)) for c in _codes("project_stage")]
    states = [(colour, str(GROUPS["timetable"][state])) for state, colour in TIMETABLE_COLOURS.items()]
    return [
        (_("Deposits") + " · " + _("by primary commodity"), "circle", commodities),
        (_("Projects") + " · " + _("Project stage"), "square", stages),
        (_("Approval timetable") + " · " + _("Timetable"), "diamond", states),
    ]


def config(initial: dict[str, str]) -> dict[str, Any]:
    """Everything ``atlas.js`` needs, as one JSON object placed in the page."""
    settings = context.settings()
    online = None
    if settings.basemap_tiles_url:
        online = {"url": settings.basemap_tiles_url, "attribution": settings.basemap_tiles_attribution}
    return {
        "layers": [_layer_entry(layer) for layer in published_layers()],
        "filters": initial,
        "panel": {f.name: list(f.layers) for f in PANEL},
        "labels": labels(),
        "colours": {
            "commodity": COMMODITY_COLOURS,
            "stage": STAGE_COLOURS,
            "timetable": TIMETABLE_COLOURS,
            "status": {},
        },
        "sizeRadius": SIZE_RADIUS,
        "basemap": url_for("api.basemap"),
        "onlineTiles": online,
        "titles": {"offline": _("Offline basemap"), "online": _("Online basemap")},
        "choroplethTitle": _("Choropleth"),
    }


def choices(filters: dict[str, str], countries: list[str]) -> list[dict[str, Any]]:
    """The panel's controls with their options in the current language, for the template."""
    names = labels()
    found = []
    for f in PANEL:
        if f.boolean:
            options = [("true", _("yes")), ("false", _("no"))]
        elif f.name == "abroad":
            options = [("false", _("In China")), ("true", _("Abroad"))]
        elif f.name == "country":
            options = [(code, names["country"].get(code, code)) for code in countries]
        elif f.name == "region":
            options = list(names["admin_region"].items())
        else:
            codes = _codes(f.codelist or "", strategic_only=f.name == "commodity")
            options = [(code, names[f.codelist or ""].get(code, code)) for code in codes]
        found.append({"name": f.name, "title": str(f.title), "options": options, "value": filters.get(f.name, "")})
    return found
