"""Which first names are the same given name: nicknames, diminutives, other languages' forms.

Pure data, no database. ``data/nicknames.json`` lists groups of names in matching form (the
output of ``galena.leads.contact_values.transliterate``): Alexander, Aleksandr, Sasha, Shura,
Alexandru, Alejandro and Santeri are one group; Alexandra is another (male and female forms
are separate groups, and a shared diminutive such as Sasha belongs to both). Loaded once and
turned into a dict name → group ids, because batch de-duplication asks millions of times.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from galena.leads.contact_values import transliterate

DATA_PATH = Path(__file__).parent / "data" / "nicknames.json"

_EMPTY: frozenset[str] = frozenset()


@functools.cache
def _groups() -> dict[str, tuple[str, ...]]:
    """Every group id → its names."""
    with DATA_PATH.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return {group["id"]: tuple(group["names"]) for group in data["groups"]}


@functools.cache
def _index() -> dict[str, frozenset[str]]:
    """Every name in the data → the ids of the groups it belongs to."""
    groups: dict[str, set[str]] = {}
    for group_id, names in _groups().items():
        for name in names:
            groups.setdefault(name, set()).add(group_id)
    return {name: frozenset(ids) for name, ids in groups.items()}


def other_forms(name: str) -> list[str]:
    """The other names of the groups this name belongs to (Alexandru → Sandu, Alex…)."""
    key = transliterate(name)
    return sorted({n for g in name_groups(key) for n in _groups()[g] if n != key})


@functools.lru_cache(maxsize=65536)
def _raw_groups(name: str) -> frozenset[str]:
    return _index().get(transliterate(name), _EMPTY)


def name_groups(name: str) -> frozenset[str]:
    """The group ids of a first name; ``frozenset()`` when the name is unknown.

    The name is expected in matching form (transliterated, lower case); anything else
    ("Александр", "José", " Sasha") is transliterated first.
    """
    groups = _index().get(name)
    if groups is not None:
        return groups
    if not name or (name.isascii() and name.isalpha() and name.islower()):
        return _EMPTY
    return _raw_groups(name)


def same_given_name(a: str, b: str) -> bool:
    """Whether two first names are forms of the same given name (both known, a shared group)."""
    return not name_groups(a).isdisjoint(name_groups(b))
