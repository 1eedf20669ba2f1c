"""Folium maps that work with no internet: Leaflet and the basemap are served by the app itself.

Folium's stock page pulls Leaflet, jQuery, Bootstrap and Font Awesome from CDNs. ``OfflineMap``
declares only the vendored Leaflet and geoplatform's own map script, and the layers used here
(GeoJson with circle markers) need nothing else. Popups are built in ``static/js/map.js`` with
DOM text nodes, so a record name can never inject HTML.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import folium
from flask import url_for
from folium.elements import Element
from folium.utilities import JsCode

STATUS_COLOURS = {
    # Deposits: development status
    "occurrence": "#9e9e9e",
    "prospect": "#8d6e63",
    "exploration": "#1e88e5",
    "feasibility": "#3949ab",
    "permitting": "#8e24aa",
    "construction": "#fb8c00",
    "producing": "#2e7d32",
    "care_and_maintenance": "#f4511e",
    "closed": "#424242",
    # Projects: project stage
    "planning": "#1e88e5",
    "commissioning": "#7cb342",
    "operation": "#2e7d32",
    "suspended": "#f4511e",
}


OTHER_COLOUR = "#616161"


class OfflineMap(folium.Map):
    """A folium Map whose page loads only assets served by geoplatform (paths under /static)."""

    default_js: ClassVar[list[tuple[str, str]]] = [
        ("leaflet", "/static/vendor/leaflet/leaflet.js"),
        ("geoplatform_map", "/static/js/map.js"),
    ]
    default_css: ClassVar[list[tuple[str, str]]] = [
        ("leaflet_css", "/static/vendor/leaflet/leaflet.css"),
        ("geoplatform_css", "/static/css/map.css"),
    ]


def base_map(location: tuple[float, float] = (30.0, 100.0), zoom: int = 3) -> OfflineMap:
    """An empty map; the offline country basemap is added by :func:`render_parts`."""
    return OfflineMap(location=list(location), zoom_start=zoom, tiles=None, control_scale=True)


def add_feature_layer(
    fmap: folium.Map,
    collection: dict[str, Any],
    *,
    name: str,
    status_property: str,
    status_list: str,
    page_prefix: str,
    labels: dict[str, Any],
    radius: int = 6,
    outline: str = "#ffffff",
    colours: dict[str, str] | None = None,
    status_title: str | None = None,
    show: bool = True,
) -> None:
    """Point features as circle markers coloured by status, with a bilingual popup and a record link."""
    palette = colours or STATUS_COLOURS

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        colour = palette.get(feature["properties"].get(status_property), OTHER_COLOUR)
        return {"color": outline, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.9}

    options = json.dumps(
        {
            "pagePrefix": page_prefix,
            "statusProperty": status_property,
            "statusList": status_list,
            "statusTitle": status_title,
            "labels": labels,
        },
        ensure_ascii=False,
    ).replace("</", "<\\/")
    folium.GeoJson(
        collection,
        name=name,
        marker=folium.CircleMarker(radius=radius, fill=True),
        style_function=style,
        on_each_feature=JsCode(f"function (feature, layer) {{ geoplatform.bindPopup(feature, layer, {options}); }}"),
        show=show,
    ).add_to(fmap)


def render_parts(fmap: folium.Map, *calls: str) -> dict[str, str]:
    """The map's head, body and script, to place inside a geoplatform page template; each of ``calls``
    names a function of ``static/js/map.js`` to call with the map (``searchArea``)."""
    root = fmap.get_root()
    root.render()
    # After render, so that the calls follow the script that creates the map.
    basemap_url = json.dumps(url_for("api.basemap"))
    root.script.add_child(Element(f"geoplatform.addBasemap({fmap.get_name()}, {basemap_url});"))
    for call in calls:
        root.script.add_child(Element(f"geoplatform.{call}({fmap.get_name()});"))
    return {
        "map_header": root.header.render(),
        "map_html": root.html.render(),
        "map_script": root.script.render(),
    }
