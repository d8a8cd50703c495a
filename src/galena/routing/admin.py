"""Routing's admin, one module per part."""

from galena.routing import (
    admin_rules,  # noqa: F401
    admin_sla,  # noqa: F401
)
