"""Routing's writes: choosing who takes each new lead, reassigning, handing off."""

from __future__ import annotations

from typing import Any

_loaded: dict[str, Any] = {}


def config_forget(**_kwargs: Any) -> None:
    """Forget the loaded rules and policies (one was saved in this process)."""
    _loaded.clear()
