"""The deposit footprints layer: the outline of each deposit that has one (a MultiPolygon)."""

from __future__ import annotations

from geoplatform.models import Deposit, DepositCommodity, deposit_chinese_stake
from layers import deposits
from layers.queryables import catalogue_queryables
from layers.registry import Layer, register

LAYER = register(
    Layer(
        name="deposit_footprints",
        table=Deposit.__table__,
        title_zh="矿产地范围",
        title_en="Deposit footprints",
        description_zh="有范围的矿产地的矿区范围(多边形)。",
        description_en="The outline of every deposit that has one (mining-right or orebody footprint).",
        columns=("code", "name_zh", "name_en", "name", "status", "size_class", "country_code", "region_code"),
        derived=deposits.derived,
        queryables=catalogue_queryables(
            *(q for name, q in deposits.LAYER.queryables.items() if name in ("status", "size_class", "stage")),
            geometry_type="MultiPolygon",
            column="footprint",
        ),
        commodity_link=DepositCommodity.__table__,
        commodity_fk="deposit_id",
        status_column="status",
        status_codelist="development_status",
        base=lambda t: t.c.footprint.is_not(None),
        flags={
            "chinese_stake": lambda t: t.c.id.in_(
                deposit_chinese_stake.select().with_only_columns(deposit_chinese_stake.c.deposit_id)
            )
        },
        geometry_column="footprint",
        geometry_type="MultiPolygon",
        wfs_type_name="deposit_footprints",
        tile_properties=("code", "name_zh", "name_en", "name", "status", "size_class", "country_code"),
        cluster_max_zoom=-1,
        property_aliases={"geom": "geometry", "footprint": "geometry"},
        order=15,
    )
)
