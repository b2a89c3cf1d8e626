"""A type ledger joined to where its records are (`record_projections`), the ledger read
first.

The office's lists and counts filter a type ledger on its own indexed columns (this week's
screenings, open cases, a worker's visits of a month, overdue requests) and keep the rows
inside the reader's area, which is a column of `record_projections`. The ledger's filter
is the narrow one: a street or the district holds most records, and `record_projections`
rows are wide (each carries its merged state). So the ledger must drive the join and each
of its rows look its record up by id.

PostgreSQL plans that from its statistics. SQLite plans without any (the server never runs
ANALYZE) and takes an equality on any indexed column, such as `street_id = ?`, for a
narrow one; and even with the area left out it read all of `record_projections` first, as
probing a WITHOUT ROWID ledger by key looks cheaper than probing `record_projections`: at a
million ledger entries, a hundred times slower. On SQLite the join is therefore written
``CROSS JOIN ... ON``, which SQLite documents as keeping the left table outside.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from server.models import RecordProjection


class LedgerFirst(Join):
    """An inner join whose left side SQLite reads first (other databases plan it freely)."""

    inherit_cache = True


@compiles(LedgerFirst, "sqlite")
def _cross_join(join: LedgerFirst, compiler: Any, **options: Any) -> str:
    joined = compiler.visit_join(join, **options)
    left = join.left._compiler_dispatch(compiler, asfrom=True)
    plain = f"{left} JOIN "
    if not joined.startswith(plain):  # pragma: no cover - a left side we never build
        return joined
    return f"{left} CROSS JOIN {joined[len(plain):]}"


def with_places(ledger: Any, key: Any = None) -> LedgerFirst:
    """`ledger` joined to its records' `record_projections` rows on `key` (the ledger's
    ``id`` by default; 问题清单's ``visit_id``), the ledger read first."""
    key = ledger.id if key is None else key
    return LedgerFirst(ledger.__table__, RecordProjection.__table__, RecordProjection.id == key)
