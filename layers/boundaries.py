"""Countries and China's provinces as layers: the boundaries of docs/boundaries.md, simplified at
0.002° (about 200 m; the materialized view ``boundary_layer``).

China is drawn as China's standard map draws it; the maritime line is not a layer of its own here
(it is on the map's basemap, ``/api/v1/basemap``).
"""

from __future__ import annotations

from sqlalchemy import FromClause
from sqlalchemy.sql.elements import Label

from geoplatform.models import boundary_layer
from layers.queryables import Queryable
from layers.registry import Layer, register


def no_derived(page: FromClause) -> list[Label]:
    return []


def _queryables(*specific: Queryable) -> dict[str, Queryable]:
    found = {
        q.name: q
        for q in (
            Queryable("country_code", "string", "国家", "Country", codelist="country", vocabulary="country"),
            Queryable("name_zh", "string", "中文名称", "Chinese name"),
            Queryable("name_en", "string", "英文名称", "English name"),
            *specific,
        )
    }
    found["geometry"] = Queryable(
        "geometry", "geometry", "边界", "Boundary", column="geom", geometry_type="MultiPolygon"
    )
    return found


def _boundary_layer(
    name: str, kind: str, id_name: str, titles: tuple[str, str, str, str], extra: tuple[Queryable, ...], order: int
) -> Layer:
    title_zh, title_en, description_zh, description_en = titles
    columns = (id_name, *(c for c in ("country_code", "name_zh", "name_en") if c != id_name))
    return register(
        Layer(
            name=name,
            table=boundary_layer,  # type: ignore[arg-type]
            title_zh=title_zh,
            title_en=title_en,
            description_zh=description_zh,
            description_en=description_en,
            columns=columns,
            derived=no_derived,
            queryables=_queryables(*extra),
            base=lambda t: t.c.kind == kind,
            id_name=id_name,
            geometry_type="MultiPolygon",
            wfs_type_name=name,
            tile_properties=(id_name, "name_zh", "name_en"),
            cluster_max_zoom=-1,
            temporal_property=None,
            default_limit=10,
            order=order,
        )
    )


COUNTRIES = _boundary_layer(
    "countries",
    "country",
    "country_code",
    (
        "国家",
        "Countries",
        "世界各国边界(中国按国家标准地图绘制)。",
        "The world's countries (China as China's standard map draws it).",
    ),
    (),
    30,
)
PROVINCES = _boundary_layer(
    "provinces",
    "province",
    "region_code",
    (
        "省级行政区",
        "Provinces of China",
        "中国省级行政区(GB/T 2260)边界。",
        "China's province-level divisions (GB/T 2260).",
    ),
    (Queryable("region_code", "string", "行政区划", "Region (GB/T 2260)", codelist="admin_region"),),
    40,
)
