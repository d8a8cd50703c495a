"""Analytics' periodic work: the facts of the days written since the last refresh."""

from __future__ import annotations

from celery import shared_task

from galena.analytics.facts import facts_refresh


@shared_task(ignore_result=True)
def refresh_facts() -> int:
    """Recompute the facts of the days the triggers marked (idempotent)."""
    return facts_refresh()
