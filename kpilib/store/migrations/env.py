"""Alembic environment: runs against the engine kpilib hands over (``config.attributes``)."""

from __future__ import annotations

from alembic import context

from kpilib.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from kpilib.store.database import create_engine

        engine = create_engine()
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("kpilib migrations run online only: use `kpi db upgrade`.")
run_migrations_online()
