"""The lines of the SLA's events on the lead card's timeline (``settings.TIMELINE_PRESENTERS``,
called by the leads app): the policy, the deadline, and the people by name, not by id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model

from galena.leads.models import LeadEvent


def _moment(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _people(ids: Iterable[Any]) -> dict[int, str]:
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    if not wanted:
        return {}
    return {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model()
        .objects.filter(pk__in=wanted)
        .only("id", "username", "first_name", "last_name")
    }


def present_sla_events(events: list[LeadEvent]) -> None:
    """Give each warning, breach and escalation its line (one query for the names)."""
    ids: list[Any] = []
    for event in events:
        params = event.params or {}
        ids += [params.get("owner"), params.get("from"), params.get("to")]
        alerted = params.get("alerted")
        ids += alerted if isinstance(alerted, list) else []
    names = _people(ids)
    for event in events:
        params = event.params or {}
        event.template = "routing/_timeline_sla.html"
        event.sla_policy = params.get("policy") or ""
        event.sla_due_at = _moment(params.get("due_at"))
        event.sla_step = params.get("step")
        event.sla_owner = names.get(params.get("owner"), "")
        event.sla_from = names.get(params.get("from"), "")
        event.sla_to = names.get(params.get("to"), "")
        alerted = params.get("alerted") if isinstance(params.get("alerted"), list) else []
        event.sla_alerted = [names[i] for i in alerted if i in names]
