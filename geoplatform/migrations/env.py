"""Alembic environment: migrations run on the engine geoplatform hands over (never a URL in a file)."""

from alembic import context

from geoplatform.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, include_object=_include_object)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


def _include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Leave PostGIS's own tables (spatial_ref_sys, topology) out of autogenerate comparisons."""
    return not (type_ == "table" and name in {"spatial_ref_sys", "layer", "topology"})


run_migrations_online()
