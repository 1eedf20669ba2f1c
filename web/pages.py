"""HTML pages: the map (``/``) and one page per deposit and project."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import folium
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _

from geoplatform.approvals import service
from geoplatform.catalogue import company_record, countries_in_use, deposit_record, history, project_record
from geoplatform.errors import InvalidParameter, NotFound
from geoplatform.scheduling import board
from geoplatform.supply import agreements
from layers.query import parse_items_query
from layers.registry import DEPOSITS, PROJECTS
from web import atlas, context, maps, timeline
from web.floor import RECORD_PAGES, check_code, check_company_key
from web.i18n import label, record_name
from web.messages import GROUPS
from web.schedule_board import SCHEDULE_COLOURS
from web.searching import parse_search, run_search
from web.timeline import TIMETABLE_COLOURS, allowed_next

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    """The map: a page with no features in it; the browser draws them from the vector tiles.

    The filters are checked here as the tiles will check them, so a bad commodity or country is
    the page's 400 with the API's message rather than a map of failing tiles.
    """
    filters = atlas.panel_filters(request.args)
    for layer in (DEPOSITS, PROJECTS):
        wanted = atlas.layer_filters(layer, filters)
        parse_items_query(wanted, layer, context.codelists(), context.vocabulary(), default_limit=1, max_limit=1)
    countries = countries_in_use(context.engine())
    return render_template(
        "index.html",
        filters=filters,
        panel=atlas.choices(filters, countries),
        legend=atlas.legend(),
        atlas_config=atlas.config(filters),
    )


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
        return str(GROUPS["record_type"][code])
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
        (name, str(GROUPS["facet"][name]), [(code, _facet_label(name, code), n) for code, n in values.items()][:12])
        for name, values in answer["facets"].items()
        if values
    ]
    chosen = {name: args[name] for name in ("type", "commodity", "country", "province", "status") if args.get(name)}
    map_parts = _results_map(answer["results"], "searchArea")
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


def _results_map(results: list[dict[str, Any]], *calls: str) -> dict[str, str]:
    """The page of results on a small map (deposits and projects), framed on them, popups as on the map."""
    fmap = maps.base_map(zoom=2)
    labels = atlas.labels()
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
            name={"deposit": _("Deposits"), "project": _("Projects")}[kind],
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
    return maps.render_parts(fmap, *calls)


def query_value(query: Any, name: str) -> str:
    """The code a search filter was read as (``country=Chile`` → CL), for its label."""
    value = {"type": ",".join(query.kinds)}.get(name) if name == "type" else getattr(query, name)
    return value or ""


@bp.get("/deposits/<code>")
def deposit_page(code: str) -> str:
    record = deposit_record(context.engine(), check_code(code))
    return _record_page("deposit.html", record, "deposit", history=history(context.engine(), "deposits", code))


@bp.get("/companies/<key>")
def company_page(key: str) -> str:
    """A company: its country, parent and subsidiaries, what it and they hold and operate, on a map."""
    record = company_record(context.engine(), check_company_key(key))
    if record is None:
        raise NotFound("There is no company with that key.")
    return render_template(
        "company.html",
        r=record,
        title=record_name(record),
        agreements=agreements.agreement_rows(context.engine(), company=key),
        agreement_filter={"company": key},
        **_holdings_map(record["holdings"]),
    )


def _holdings_map(holdings: list[dict[str, Any]]) -> dict[str, str]:
    """The assets of a company on a small map, popups as on the map."""
    results = [
        {
            "type": h["kind"],
            "code": h["code"],
            "name": h["name"],
            "name_zh": h["name_zh"],
            "name_en": h["name_en"],
            "country_code": h["country_code"],
            "region_code": None,
            "status": h["status"] or h["stage"],
            "commodities": [],
            "lon": h["geometry"]["coordinates"][0] if h["geometry"] else None,
            "lat": h["geometry"]["coordinates"][1] if h["geometry"] else None,
        }
        for h in {h["code"]: h for h in holdings}.values()
    ]
    return _results_map(results)


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
        history=history(context.engine(), "projects", code),
        schedule=board.project_schedule(context.engine(), code, today),
        schedule_colours=SCHEDULE_COLOURS,
        agreements=agreements.agreement_rows(context.engine(), project=code),
        agreement_filter={"project": code},
    )
