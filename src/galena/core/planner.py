"""PostgreSQL planner settings for one statement inside a transaction (``SET LOCAL``).

Galena's hot statements are kept prepared (decision 0010), and after five runs PostgreSQL
may settle on a generic plan: one made without the values. For most statements that is the
point; for a few it is a trap, and these say so where they run:

- a time window (``received_at BETWEEN %s AND %s``) whose generic estimate is a sliver of the
  table, where in fact it covers most of it: the plan scans the window and filters, instead
  of looking the batch's values up (``plan_cache_mode=force_custom_plan``);
- the worker's claim, where the planner prefers a bitmap scan that visits every dead index
  entry until the next vacuum to an index scan that marks them dead once
  (``enable_bitmapscan=off``).

Elsewhere (SQLite) and outside a transaction (where ``SET LOCAL`` would do nothing) the
statements run as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

_NAMES = frozenset({"enable_bitmapscan", "plan_cache_mode"})


@contextmanager
def planner_settings(using: str = DEFAULT_DB_ALIAS, **values: str) -> Iterator[None]:
    """Run the block with these planner settings, then put back the session's own."""
    unknown = set(values) - _NAMES
    if unknown:
        raise ValueError(f"Not a planner setting this module sets: {', '.join(sorted(unknown))}")
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        for name, value in values.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        try:
            yield
        finally:
            for name in values:
                cursor.execute(f"SET LOCAL {name} TO DEFAULT")
