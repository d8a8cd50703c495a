"""Scoring's admin, one module per part."""

from galena.scoring import admin_rules, admin_tracking  # noqa: F401
