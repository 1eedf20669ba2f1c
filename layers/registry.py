"""The one door to published layers: :func:`register` a declaration, :func:`get_layer` it back.

A layer is a declaration (one module per layer: ``layers/deposits.py``, ``layers/projects.py``):
its table, id and geometry, the properties it publishes (plain columns, plus derived values
computed only for the rows of a returned page), and its **queryables**, the only names a filter
can reach. :func:`check_layers` compares every declaration with the database at start-up, so a
renamed column or a lost spatial index stops the app with the layer's name instead of failing on
the first request. Web concerns (record-page URLs) live in ``web/``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Engine, FromClause, Table, inspect, text
from sqlalchemy.sql.elements import Label

from geoplatform.errors import NotFound
from layers.queryables import Queryable

DerivedColumns = Callable[[FromClause], list[Label]]
Flag = Callable[[Table], ColumnElement[bool]]


@dataclass(frozen=True)
class Layer:
    """A published layer: rows of one table keyed by a public code, with one geometry column."""

    name: str
    table: Table
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    columns: tuple[str, ...]
    """Table columns published as properties, in output order."""
    derived: DerivedColumns
    """Properties computed per returned row (commodity lists, operator names)."""
    queryables: Mapping[str, Queryable]
    commodity_link: Table | None = None
    """The table linking records to commodity codes (the ``commodity`` queryable), if any."""
    commodity_fk: str = ""
    status_column: str | None = None
    status_codelist: str | None = None
    """The column and codelist a map colours the layer by (and the ``status`` shortcut filters)."""
    base: Callable[[Table], ColumnElement[bool]] | None = None
    """The rows of the table that belong to the layer (footprints: those with one)."""
    flags: Mapping[str, Flag] = field(default_factory=dict)
    """Boolean queryables computed from other tables (``chinese_stake``)."""
    internal_columns: tuple[str, ...] = ()
    """Columns the derived properties need that are not published themselves."""
    geometry_column: str = "geom"
    geometry_type: str = "Point"
    srid: int = 4326
    id_name: str = "code"
    default_sort: tuple[str, ...] = ("id",)
    """Columns of the stable order every page follows (unique, so paging never repeats or skips)."""
    min_zoom: int = 0
    max_zoom: int = 22
    wfs_type_name: str = ""
    tile_properties: tuple[str, ...] = ()
    """Properties a vector tile carries per point (columns or derived values): the essentials."""
    cluster_max_zoom: int = 7
    """Highest zoom whose tiles hold grid clusters instead of points."""
    cluster_category: Callable[[Table], tuple[FromClause, ColumnElement]] | None = None
    """The code a cluster counts by besides the status: (the table joined with what holds it, the
    code column). A join, not a correlated subquery: the grid reads every point of the layer."""
    temporal_property: str | None = "status_as_of"
    """The date ``datetime`` filters on (OGC API – Features)."""
    property_aliases: Mapping[str, str] = field(default_factory=dict)
    """Other names clients use for a queryable (``geom`` for ``geometry``)."""
    default_limit: int | None = None
    """Features per page when a request gives no limit (None: the service's default); layers with
    large geometries page in smaller steps."""
    order: int = 100
    """Position among the collections (capabilities, collection lists)."""
    prepare: Callable[[Engine, Engine], object] | None = None
    """Brings a derived table up to date before the layer is read (the approvals layer's states
    depend on today's date), given the engine and its autocommit twin for the cheap check; the
    services call it through ``web.floor``."""

    @property
    def id_column(self) -> ColumnElement:
        return self.table.c[self.id_name]

    @property
    def multi(self) -> bool:
        """Written as multi-geometries (tables that mix single and multi parts)."""
        return self.geometry_type.startswith("Multi")

    @property
    def property_names(self) -> list[str]:
        return [*self.columns, *(label.name for label in self.derived(self.table))]

    def check(self, engine: Engine) -> None:
        """Fail at start-up, naming the layer, when the database does not match the declaration."""
        inspector = inspect(engine)
        where = f"layer {self.name}"
        if not inspector.has_table(self.table.name):
            raise RuntimeError(f"{where}: table {self.table.name} does not exist (run migrations)")
        existing = {c["name"] for c in inspector.get_columns(self.table.name)}
        queryable_columns = {q.column for q in self.queryables.values() if q.kind == "column" and q.column}
        wanted = {"id", self.id_name, self.geometry_column, *self.columns, *queryable_columns}
        if self.status_column:
            wanted.add(self.status_column)
        missing = wanted - existing
        if missing:
            raise RuntimeError(f"{where}: columns missing in {self.table.name}: {sorted(missing)}")
        unknown_flags = {q.name for q in self.queryables.values() if q.kind == "flag"} - set(self.flags)
        if unknown_flags:
            raise RuntimeError(f"{where}: flag queryables without an expression: {sorted(unknown_flags)}")
        with engine.connect() as conn:
            srid = conn.execute(
                text("SELECT srid FROM geometry_columns WHERE f_table_name = :t AND f_geometry_column = :c"),
                {"t": self.table.name, "c": self.geometry_column},
            ).scalar_one_or_none()
            indexed = conn.execute(
                text(
                    "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_am am ON am.oid = c.relam JOIN pg_attribute a "
                    "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                    "WHERE i.indrelid = CAST(:t AS regclass) AND a.attname = :c AND am.amname IN ('gist', 'spgist')"
                ),
                {"t": self.table.name, "c": self.geometry_column},
            ).scalar_one()
        if srid != self.srid:
            raise RuntimeError(
                f"{where}: {self.table.name}.{self.geometry_column} has SRID {srid}, declared {self.srid}"
            )
        if not indexed:
            raise RuntimeError(f"{where}: {self.table.name}.{self.geometry_column} has no spatial index")


LAYERS: dict[str, Layer] = {}


def register(layer: Layer) -> Layer:
    """Publish ``layer``; its name and WFS type name must be new."""
    if layer.name in LAYERS:
        raise ValueError(f"layer {layer.name} is registered twice")
    ordered = sorted([*LAYERS.values(), layer], key=lambda known: known.order)
    LAYERS.clear()
    LAYERS.update((known.name, known) for known in ordered)
    return layer


def get_layer(name: str) -> Layer:
    try:
        return LAYERS[name]
    except KeyError:
        raise NotFound("There is no layer with that name.") from None


def check_layers(engine: Engine) -> None:
    for layer in LAYERS.values():
        layer.check(engine)


# The declarations register themselves when imported; importing them here means every user of
# the registry sees every layer. (They import this module first, so the names above exist.)
from layers import approvals, boundaries, deposits, footprints, projects  # noqa: E402, F401

APPROVALS = approvals.LAYER
DEPOSITS = deposits.LAYER
PROJECTS = projects.LAYER
