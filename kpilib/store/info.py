"""A description of a database: where it is, its schema version, its data (for ``kpi db info``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpilib.store.database import mask_url, read_schema_state
from kpilib.store.writes import count_rows, read_dataset_info, table


def describe_database(engine: Engine) -> dict[str, Any]:
    """URL (masked), schema state, dataset facts, row counts and PSEs by category.

    A database without the schema is described as such (row counts empty), never migrated here.
    """
    state = read_schema_state(engine)
    description: dict[str, Any] = {
        "url": mask_url(engine.url),
        "backend": engine.dialect.name,
        "schema": {
            "current": state.current,
            "head": state.head,
            "up_to_date": state.up_to_date,
            "known": state.known,
        },
        "dataset": {},
        "is_demo": False,
        "row_counts": {},
        "entities_by_category": {},
    }
    if not state.up_to_date:
        return description
    with engine.connect() as connection:
        dataset = read_dataset_info(connection)
        entities = table("entities")
        by_category = connection.execute(
            sa.select(entities.c.category, sa.func.count())
            .group_by(entities.c.category)
            .order_by(entities.c.category)
        ).all()
        description.update(
            dataset=dataset,
            is_demo=dataset.get("is_demo") == "true",
            row_counts=count_rows(connection),
            entities_by_category={category: count for category, count in by_category},
        )
    return description
