"""HTML pages: the map (``/``) and one page per deposit and project."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

import folium
from flask import Blueprint, render_template, request, url_for

from geoplatform.approvals import service
from geoplatform.catalogue import countries_in_use, deposit_record, project_record
from geoplatform.errors import InvalidParameter, NotFound
from layers.features_sql import fetch_page
from layers.query import FeatureQuery, parse_feature_query
from layers.registry import APPROVALS, DEPOSITS, PROJECTS, Layer
from web import context, maps, timeline
from web.floor import RECORD_PAGES, check_code, prepared
from web.i18n import current_language, label, record_name, t
from web.searching import parse_search, run_search
from web.timeline import TIMETABLE_COLOURS, allowed_next

bp = Blueprint("pages", __name__)

MAP_FEATURE_LIMIT = 5000
"""Features embedded in the map page per layer; larger catalogues will be drawn from vector tiles."""

MAP_FILTERS = ("commodity", "country", "region", "abroad", "chinese_stake")
"""The API's filters that the map page offers; they mean there what they mean in ``/api/v1``."""


def _labels() -> dict[str, Any]:
    lists = context.codelists()
    wanted = ("commodity", "development_status", "project_stage", "country")
    labels: dict[str, Any] = {name: {code: label(row) for code, row in lists[name].items()} for name in wanted}
    labels["admin_region"] = {
        code: label(row) for code, row in lists["admin_region"].items() if row["level"] == "province"
    }
    labels.update(
        nameProperty="name_zh" if current_language() == "zh" else "name_en",
        commoditiesTitle=t("commodities"),
        statusTitle=t("status"),
        countryTitle=t("country"),
        regionTitle=t("region"),
        chineseStakeTitle=t("chinese_stake"),
        yes=t("yes"),
        detailsTitle=t("details"),
    )
    return labels


def _map_filters() -> dict[str, str]:
    """The map's filters as asked for (empty ones dropped), kept for the form and the API links."""
    return {name: request.args[name].strip() for name in MAP_FILTERS if request.args.get(name, "").strip()}


def _map_query(layer: Layer, filters: dict[str, str]) -> FeatureQuery:
    """The same parsing as the API: a bad country or commodity is the API's 400 with its suggestion."""
    lists = context.codelists()
    return parse_feature_query(
        filters,
        layer,
        lists,
        default_limit=MAP_FEATURE_LIMIT,
        max_limit=MAP_FEATURE_LIMIT,
        vocabulary=context.vocabulary(),
    )


def _layer_collection(layer: Layer, query: FeatureQuery | None = None) -> tuple[dict[str, Any], bool]:
    with context.read_engine().connect() as conn:
        page = fetch_page(conn, layer, query or FeatureQuery(limit=MAP_FEATURE_LIMIT), count_budget_ms=0)
    return {"type": "FeatureCollection", "features": json.loads(page.features_json)}, page.has_more


def _extent(collections: list[dict[str, Any]]) -> list[list[float]] | None:
    """South-west and north-east corners of the features shown, to frame a filtered map."""
    points = [f["geometry"]["coordinates"] for c in collections for f in c["features"] if f.get("geometry")]
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


@bp.get("/")
def index() -> str:
    filters = _map_filters()
    fmap = maps.base_map()
    labels = _labels()
    truncated = False
    legend = []
    shown: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    # Projects are drawn larger and outlined dark, on top of the deposits they exploit.
    for layer, radius, outline in ((DEPOSITS, 6, "#ffffff"), (PROJECTS, 8, "#263238")):
        collection, more = _layer_collection(layer, _map_query(layer, filters))
        shown.append(collection)
        counts[layer.name] = len(collection["features"])
        truncated = truncated or more
        maps.add_feature_layer(
            fmap,
            collection,
            name=t(layer.name),
            status_property=layer.status_column,
            status_list=layer.status_codelist,
            page_prefix=RECORD_PAGES[layer.name],
            labels=labels,
            radius=radius,
            outline=outline,
        )
        codes = list(context.codelists()[layer.status_codelist])
        legend.append((t(layer.name), outline, maps.legend_entries(codes, labels[layer.status_codelist])))
    worst = _approval_layer(fmap, labels, filters)
    legend.append((t("approval_layer"), "#263238", [(TIMETABLE_COLOURS[k], t("tt_" + k)) for k in worst]))
    folium.LayerControl(collapsed=False).add_to(fmap)
    extent = _extent(shown) if filters else None
    if extent:
        fmap.fit_bounds(extent, max_zoom=8, padding=(30, 30))
    return render_template(
        "index.html",
        truncated=truncated,
        shown=MAP_FEATURE_LIMIT,
        legend=legend,
        filters=filters,
        counts=counts,
        countries=countries_in_use(context.engine()),
        **maps.render_parts(fmap),
    )


def _approval_layer(fmap: folium.Map, labels: dict[str, Any], filters: dict[str, str]) -> list[str]:
    """The approvals layer with the map's filters, coloured by timetable state (hidden until chosen)."""
    layer = prepared(APPROVALS)
    collection, _ = _layer_collection(layer, _map_query(layer, filters))
    labels["timetable"] = {state: t("tt_" + state) for state in TIMETABLE_COLOURS}
    maps.add_feature_layer(
        fmap,
        collection,
        name=t("approval_layer"),
        status_property="timetable",
        status_list="timetable",
        page_prefix=RECORD_PAGES[layer.name],
        labels=labels,
        radius=9,
        outline="#263238",
        colours=TIMETABLE_COLOURS,
        status_title=t("timetable"),
        show=False,
    )
    states = {feature["properties"]["timetable"] for feature in collection["features"]}
    return [state for state in TIMETABLE_COLOURS if state in states]


def _point_map(lon: float, lat: float) -> dict[str, str]:
    """A small map around one point. No folium tooltip: folium writes its text unescaped into script."""
    fmap = maps.base_map(location=(lat, lon), zoom=7)
    folium.CircleMarker(
        location=[lat, lon], radius=8, color="#ffffff", weight=2, fill=True, fill_color="#c62828", fill_opacity=0.95
    ).add_to(fmap)
    return maps.render_parts(fmap)


def _record_page(template: str, record: dict[str, Any] | None, what: str, **extra: Any) -> str:
    """A record page: its title in the current language and a small map around the point."""
    if record is None:
        raise NotFound(f"There is no {what} with that code.")
    title = record_name(record)
    subdivision = context.codelists()["country_subdivision"].get(record.get("subdivision_code") or "")
    record["subdivision_label"] = subdivision["name"] if subdivision else None
    return render_template(template, r=record, title=title, **extra, **_point_map(record["lon"], record["lat"]))


FACET_LISTS = {
    "commodity": "commodity",
    "country": "country",
    "province": "admin_region",
}


def _facet_label(facet: str, code: str) -> str:
    if facet == "type":
        return t("type_" + code)
    if facet == "status":
        lists = context.codelists()
        row = lists["development_status"].get(code) or lists["project_stage"].get(code)
        return label(row) or code
    return label(context.codelists()[FACET_LISTS[facet]].get(code)) or code


def _search_link(args: dict[str, str], **changes: str | None) -> str:
    """This search with some parameters changed (None drops one); a new filter starts at page one."""
    merged = {**{k: v for k, v in args.items() if k != "offset"}, **changes}
    return url_for("pages.search_page") + "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@bp.get("/search")
def search_page() -> tuple[str, int] | str:
    """The search box: results as a list and on a small map, facets as links that narrow the search."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    if not args.get("q", "").strip():
        return render_template("search.html", answer=None, args=args, error=None)
    try:
        query = parse_search(request.args, context.vocabulary())
    except InvalidParameter as problem:
        return render_template("search.html", answer=None, args=args, error=problem.description), 400
    answer = run_search(query)
    facets = [
        (name, t("facet_" + name), [(code, _facet_label(name, code), n) for code, n in values.items()][:12])
        for name, values in answer["facets"].items()
        if values
    ]
    chosen = {name: args[name] for name in ("type", "commodity", "country", "province", "status") if args.get(name)}
    map_parts = _results_map(answer["results"])
    return render_template(
        "search.html",
        answer=answer,
        args=args,
        error=None,
        facets=facets,
        chosen=[(name, _facet_label(name, query_value(query, name)), value) for name, value in chosen.items()],
        link=lambda **changes: _search_link(args, **changes),
        query=query,
        **map_parts,
    )


def _results_map(results: list[dict[str, Any]]) -> dict[str, str]:
    """The page of results on a small map (deposits and projects), framed on them, popups as on the map."""
    fmap = maps.base_map(zoom=2)
    labels = _labels()
    shown = []
    for kind, status_list, radius, outline in (
        ("deposit", "development_status", 6, "#ffffff"),
        ("project", "project_stage", 8, "#263238"),
    ):
        features = [
            {
                "type": "Feature",
                "id": r["code"],
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {k: r[k] for k in ("code", "name", "name_zh", "name_en", "country_code", "region_code")}
                | {"status": r["status"], "commodities": r["commodities"]},
            }
            for r in results
            if r["type"] == kind and r["lon"] is not None
        ]
        if not features:
            continue
        shown += [f["geometry"]["coordinates"] for f in features]
        maps.add_feature_layer(
            fmap,
            {"type": "FeatureCollection", "features": features},
            name=t(kind + "s"),
            status_property="status",
            status_list=status_list,
            page_prefix=RECORD_PAGES[kind + "s"],
            labels=labels,
            radius=radius,
            outline=outline,
        )
    if shown:
        lons, lats = [p[0] for p in shown], [p[1] for p in shown]
        fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], max_zoom=7, padding=(20, 20))
    return maps.render_parts(fmap)


def query_value(query: Any, name: str) -> str:
    """The code a search filter was read as (``country=Chile`` → CL), for its label."""
    value = {"type": ",".join(query.kinds)}.get(name) if name == "type" else getattr(query, name)
    return value or ""


@bp.get("/deposits/<code>")
def deposit_page(code: str) -> str:
    return _record_page("deposit.html", deposit_record(context.engine(), check_code(code)), "deposit")


@bp.get("/projects/<code>")
def project_page(code: str) -> str:
    record = project_record(context.engine(), check_code(code))
    if record is None:
        raise NotFound("There is no project with that code.")
    approvals = service.project_approvals(context.engine(), code)
    today = dt.date.today()
    return _record_page(
        "project.html",
        record,
        "project",
        approvals=approvals,
        timeline=timeline.layout(approvals["items"], today),
        colours=TIMETABLE_COLOURS,
        allowed_next=allowed_next,
        today=today,
    )
