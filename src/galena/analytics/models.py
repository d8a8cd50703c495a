"""Analytics reads the other apps' tables; see docs/decisions/0005-analytics-aggregates.md."""
