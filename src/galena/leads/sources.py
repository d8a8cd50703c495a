"""Source names by id, kept in this process until a source changes (core.memo; LeadsConfig
connects ``kept.forget`` to Source's signals). Rules read a lead's source by name, and the
intake's stages and creation hooks (scoring, routing, the SLA clocks) ask for every batch."""

from __future__ import annotations

from collections.abc import Iterable

from galena.core.memo import Memo
from galena.leads.models import Source

kept = Memo()


def source_names(ids: Iterable[int | None], *, seconds: float) -> dict[int, str]:
    """Each source id's name ("" for an id no source has), kept for at most ``seconds``
    (the caller's setting; 0 reads them every time)."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    names = kept.get_many(
        (("source", pk) for pk in wanted),
        lambda keys: {
            ("source", pk): name
            for pk, name in Source.objects.filter(pk__in=[key[1] for key in keys]).values_list(
                "pk", "name"
            )
        },
        seconds=seconds,
        missing="",
    )
    return {key[1]: name for key, name in names.items()}
