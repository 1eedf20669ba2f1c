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


COUNTRIES = register(
    Layer(
        name="countries",
        table=boundary_layer,  # type: ignore[arg-type]
        title_zh="国家",
        title_en="Countries",
        description_zh="世界各国边界(中国按国家标准地图绘制)。",
        description_en="The world's countries (China as China's standard map draws it).",
        columns=("country_code", "name_zh", "name_en"),
        derived=no_derived,
        queryables=_queryables(),
        base=lambda t: t.c.kind == "country",
        id_name="country_code",
        geometry_type="MultiPolygon",
        wfs_type_name="countries",
        tile_properties=("country_code", "name_zh", "name_en"),
        cluster_max_zoom=-1,
        temporal_property=None,
        default_limit=10,
        order=30,
    )
)

PROVINCES = register(
    Layer(
        name="provinces",
        table=boundary_layer,  # type: ignore[arg-type]
        title_zh="省级行政区",
        title_en="Provinces of China",
        description_zh="中国省级行政区(GB/T 2260)边界。",
        description_en="China's province-level divisions (GB/T 2260).",
        columns=("region_code", "country_code", "name_zh", "name_en"),
        derived=no_derived,
        queryables=_queryables(
            Queryable("region_code", "string", "行政区划", "Region (GB/T 2260)", codelist="admin_region")
        ),
        base=lambda t: t.c.kind == "province",
        id_name="region_code",
        geometry_type="MultiPolygon",
        wfs_type_name="provinces",
        tile_properties=("region_code", "name_zh", "name_en"),
        cluster_max_zoom=-1,
        temporal_property=None,
        default_limit=10,
        order=40,
    )
)
