"""Codes the database knows, looked up once per file (codes are matched case-insensitively)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.store.writes import table


@dataclass(frozen=True)
class CodeRow:
    """A reference row found by its code: its id and the columns a rule needs."""

    id: int
    code: str
    extra: dict[str, Any]


class ReferenceLookup:
    """Lazy code → row maps of the reference tables, read through one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _load(self, name: str, *extra: str) -> dict[str, CodeRow]:
        t = table(name)
        query = sa.select(t.c.id, t.c.code, *(t.c[c] for c in extra))
        rows = {}
        for row in self.connection.execute(query):
            values = row._mapping
            rows[str(values["code"]).upper()] = CodeRow(
                int(values["id"]), str(values["code"]), {c: values[c] for c in extra}
            )
        return rows

    @cached_property
    def entities(self) -> dict[str, CodeRow]:
        return self._load("entities", "category", "department_id")

    @cached_property
    def departments(self) -> dict[str, CodeRow]:
        return self._load("departments")

    @cached_property
    def cost_centres(self) -> dict[str, CodeRow]:
        return self._load("cost_centres", "department_id")

    @cached_property
    def economic_classes(self) -> dict[str, CodeRow]:
        return self._load("economic_classes")

    @cached_property
    def revenue_heads(self) -> dict[str, CodeRow]:
        return self._load("revenue_heads")

    @cached_property
    def districts(self) -> dict[str, CodeRow]:
        return self._load("districts")

    @cached_property
    def indicators(self) -> dict[str, CodeRow]:
        return self._load("indicators", "name", "unit", "direction", "frequency", "level",
                          "department_id")  # fmt: skip

    def department_code(self, department_id: int) -> str:
        return next(r.code for r in self.departments.values() if r.id == department_id)

    def period_id(self, code: str) -> int | None:
        p = table("periods")
        return self.connection.execute(sa.select(p.c.id).where(p.c.code == code)).scalar()
