"""The approvals layer: projects with approval items, coloured by the worst timetable state of
their items (overdue, due soon, paused, on schedule, ...), with the next deadline.

The rows live in ``approval_layer``, derived from the approval items by
``geoplatform.approvals.standing`` and rebuilt before a read when the data or the day moved on.
"""

from __future__ import annotations

from sqlalchemy import FromClause, exists, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import Label

from geoplatform.approvals import standing
from geoplatform.models import approval_layer, project_chinese_stake, project_commodity
from layers.projects import first_commodity
from layers.queryables import Queryable, catalogue_queryables
from layers.registry import Layer, register


def derived(page: FromClause) -> list[Label]:
    commodities = (
        select(
            func.array_agg(aggregate_order_by(project_commodity.c.commodity_code, project_commodity.c.commodity_code))
        )
        .where(project_commodity.c.project_id == page.c.id)
        .scalar_subquery()
    )
    chinese = exists().where(project_chinese_stake.c.project_id == page.c.id)
    return [commodities.label("commodities"), chinese.label("chinese_stake")]


LAYER = register(
    Layer(
        name="approvals",
        table=approval_layer,
        title_zh="审批进展",
        title_en="Approvals",
        description_zh="有审批事项的开发项目,按各事项中最差的时限状态着色(超期、即将到期、暂停、按期推进……),附下一个截止日期。",
        description_en=(
            "Projects with approval items, coloured by the worst timetable state of their items "
            "(overdue, due soon, paused, on schedule, ...), with the next deadline."
        ),
        columns=(
            "code",
            "name_zh",
            "name_en",
            "stage",
            "green_channel",
            "timetable",
            "timetable_days",
            "worst_kind",
            "items",
            "open_items",
            "overdue_items",
            "due_soon_items",
            "next_due_on",
            "next_due_kind",
            "paused",
            "status_as_of",
            "region_code",
            "name",
            "name_lang",
            "country_code",
            "subdivision_code",
        ),
        derived=derived,
        queryables=catalogue_queryables(
            Queryable(
                "stage", "string", "项目阶段", "Project stage", codelist="project_stage", vocabulary="project_stage"
            ),
            Queryable("green_channel", "boolean", "绿色通道", "Green channel"),
            Queryable(
                "timetable",
                "string",
                "时限状态",
                "Timetable state",
                codelist="timetable_state",
                vocabulary="timetable_state",
            ),
            Queryable(
                "worst_kind", "string", "最差事项", "Worst item", codelist="approval_kind", vocabulary="approval_kind"
            ),
            Queryable("open_items", "integer", "在办事项数", "Open items"),
            Queryable("overdue_items", "integer", "超期事项数", "Overdue items"),
            Queryable("next_due_on", "date", "下一截止日期", "Next deadline"),
            Queryable("paused", "boolean", "暂停中", "Paused"),
        ),
        commodity_link=project_commodity,
        commodity_fk="project_id",
        status_column="timetable",
        status_codelist="timetable_state",
        flags={"chinese_stake": lambda t: t.c.id.in_(select(project_chinese_stake.c.project_id))},
        wfs_type_name="approvals",
        tile_properties=(
            "code",
            "name_zh",
            "name_en",
            "name",
            "timetable",
            "timetable_days",
            "next_due_on",
            "green_channel",
            "country_code",
        ),
        cluster_category=first_commodity,
        temporal_property="next_due_on",
        property_aliases={"geom": "geometry"},
        prepare=lambda engine, read_engine: standing.ensure_current(engine, read_engine=read_engine),
        order=25,
    )
)
