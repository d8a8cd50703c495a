"""Inbound replies: an e-mail that answers one Galena sent belongs to that lead
(``settings.INTAKE_REPLY_RESOLVERS``, asked by intake's e-mail adapter)."""

from __future__ import annotations

from collections.abc import Sequence

from galena.activities.models import SentEmail


def lead_for_reply(*, message_ids: Sequence[str]) -> int | None:
    """The lead of the sent e-mail that one of ``message_ids`` (without <>, the nearest in
    the thread first) names; None when Galena sent none of them. One indexed query."""
    wanted = [f"<{m.strip().strip('<>')}>" for m in message_ids if m.strip()]
    if not wanted:
        return None
    found = dict(
        SentEmail.objects.filter(message_id__in=wanted).values_list("message_id", "lead_id")
    )
    return next((found[m] for m in wanted if m in found), None)
