"""Carrying a verified request out with the services that own the data: the privacy app's
access report and erasure, the consent app's restriction and withdrawal. Each carried-out
action is also an audit entry. Rectification and objection are done by hand on the records
(the lead card) and closed with their outcome."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from galena.compliance import audit
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
    from django.apps import apps

    app = module.split(".")[1]  # galena.<app>.services
    if not apps.is_installed(f"galena.{app}"):
        return None
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


def reference(data_request: DataRequest) -> str:
    """How other records name the request (a restriction's reference, an erasure's reason)."""
    return f"DSR-{data_request.pk}"


def _subject(data_request: DataRequest):
    find_subject = _service("galena.privacy.subjects", "find_subject")
    if find_subject is None:
        raise _unavailable()
    return find_subject(email=data_request.email or None, phone=data_request.phone or None)


def _linked(subject) -> dict[str, Any]:
    return {"lead_ids": sorted(subject.lead_ids), "contact_ids": sorted(subject.contact_ids)}


def _access(actor: Any, data_request: DataRequest) -> Result:
    subject_report = _service("galena.privacy.access", "subject_report")
    if subject_report is None:
        raise _unavailable()
    subject = _subject(data_request)
    report = subject_report(subject, actor=actor)
    counts = {section.category: len(section.rows) for section in report.sections}
    audit.record(
        actor=actor,
        action=audit.SUBJECT_EXPORT,
        object_type="privacy.subject",
        count=report.rows_total,
        params={"request": data_request.pk, **_linked(subject)},
    )
    if not report.rows_total:
        summary = _("Access report: nothing is held about this person.")
    else:
        summary = _("Access report made: %(rows)d records in %(sections)d categories.") % {
            "rows": report.rows_total,
            "sections": len(report.sections),
        }
    return Result(summary, {"counts": counts}, _linked(subject), report)


def _erase(actor: Any, data_request: DataRequest) -> Result:
    erase_subject = _service("galena.privacy.erasure", "erase_subject")
    if erase_subject is None:
        raise _unavailable()
    subject = _subject(data_request)
    result = erase_subject(subject, actor=actor, reason=reference(data_request))
    rows = sum(result.counts.values())
    audit.record(
        actor=actor,
        action=audit.ERASURE,
        object_type="privacy.subject",
        count=rows,
        params={"request": data_request.pk, "erasure_id": result.erasure.pk},
    )
    summary = _("Erased: %(rows)d rows in %(tables)d tables, %(files)d files deleted.") % {
        "rows": rows,
        "tables": len(result.counts),
        "files": result.files_deleted,
    }
    linked = {**_linked(subject), "erasure_id": result.erasure.pk}
    return Result(summary, {"counts": result.counts}, linked)


def _actor(actor: Any):
    from galena.leads.models import ActorSource
    from galena.leads.services import Actor

    return Actor(user=actor, source=ActorSource.MANUAL)


def _restrict(actor: Any, data_request: DataRequest) -> Result:
    restrict_subject = _service("galena.consent.services", "restrict_subject")
    if restrict_subject is None:
        raise _unavailable()
    restriction = restrict_subject(
        actor=_actor(actor),
        reason=_("Data-subject request %(ref)s") % {"ref": reference(data_request)},
        email=data_request.email,
        phone=data_request.phone,
        request_reference=reference(data_request),
    )
    audit.record(
        actor=actor,
        action=audit.RESTRICTION,
        object_type="consent.Restriction",
        count=1,
        params={"request": data_request.pk, "restriction_id": restriction.pk},
    )
    return Result(
        _("The person's data is blocked (restriction #%(n)s).") % {"n": restriction.pk},
        {"restriction_id": restriction.pk},
        {"restriction_id": restriction.pk, **_linked(_subject(data_request))},
    )


def _withdraw(actor: Any, data_request: DataRequest) -> Result:
    consent_record = _service("galena.consent.services", "consent_record")
    purposes = _service("galena.consent.services", "purposes")
    if consent_record is None or purposes is None:
        raise _unavailable()
    records = [
        consent_record(
            actor=_actor(actor),
            purpose=purpose,
            status="withdrawn",
            method="manual",
            email=data_request.email,
            phone=data_request.phone,
            evidence={"request": reference(data_request)},
        )
        for purpose in purposes()
    ]
    audit.record(
        actor=actor,
        action=audit.CONSENT_WITHDRAWAL,
        object_type="consent.ConsentRecord",
        count=len(records),
        params={"request": data_request.pk},
    )
    return Result(
        _("Consent withdrawn for %(n)d purposes.") % {"n": len(records)},
        {"purposes": sorted(purposes())},
        {"consent_record_ids": [record.pk for record in records]},
    )


CARRY_OUT = {
    RequestKind.ACCESS: _access,
    RequestKind.ERASE: _erase,
    RequestKind.RESTRICT: _restrict,
    RequestKind.WITHDRAW_CONSENT: _withdraw,
}


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
    return CARRY_OUT[data_request.kind](actor, data_request)
