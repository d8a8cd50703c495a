"""The comparisons: for a pair of records, how well each field agrees, as a *level*.

Each comparison has ordered levels, strongest agreement first; a pair gets the first level
whose condition holds, or ``MISSING`` (-1) when either record lacks the field, which then
counts for nothing. The levels' m and u probabilities (and so their weights) live in the
``ComparisonWeight`` rows; the defaults here seed them.

Everything runs column-wise over many pairs at once (``rapidfuzz.process.cpdist`` computes
the similarities of element-wise pairs in C, numpy picks the levels), so the same code
compares one submission with its twenty candidates and a million records with their
millions of candidate pairs.

The default m and u are probabilities *among candidate pairs* (pairs that share a blocking
key), which is also where EM estimates them: u of "last name exact" is high because many
candidates were found by their name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from galena.matching.records import FREE_EMAIL_DOMAINS, Prepared

MISSING = -1


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    m: float  # default P(level | same person)
    u: float  # default P(level | different people), among candidate pairs


@dataclass(frozen=True)
class Comparison:
    code: str
    label: str
    levels: tuple[Level, ...]
    # A comparison conditioned on another one's outcome has its levels in blocks, one per
    # condition, each block a distribution of its own (its m sum to 1, its u sum to 1): the
    # sizes of the blocks, in order; empty: one block
    blocks: tuple[int, ...] = ()

    def level_codes(self) -> list[str]:
        return [level.code for level in self.levels]

    def level_blocks(self) -> list[slice]:
        """The levels of each block, as slices of ``levels``."""
        sizes = self.blocks or (len(self.levels),)
        starts = [sum(sizes[:k]) for k in range(len(sizes))]
        return [slice(start, start + size) for start, size in zip(starts, sizes, strict=True)]


def _levels(*levels: tuple[str, str, float, float]) -> tuple[Level, ...]:
    return tuple(Level(*level) for level in levels)


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "first_name",
        _("First name"),
        _levels(
            ("exact", _("the same"), 0.74, 0.05),
            ("nickname", _("a nickname or another language's form"), 0.10, 0.004),
            ("close", _("spelt almost the same"), 0.09, 0.02),
            ("initial", _("an initial that fits"), 0.04, 0.06),
            ("different", _("different"), 0.03, 0.866),
        ),
    ),
    Comparison(
        "last_name",
        _("Last name"),
        _levels(
            ("exact", _("the same"), 0.80, 0.06),
            ("close", _("spelt almost the same"), 0.12, 0.02),
            ("similar", _("similar"), 0.04, 0.04),
            ("different", _("different"), 0.04, 0.88),
        ),
    ),
    Comparison(
        "middle_name",
        _("Middle name"),
        _levels(
            ("exact", _("the same"), 0.80, 0.05),
            ("close", _("close or an initial that fits"), 0.12, 0.05),
            ("different", _("different"), 0.08, 0.90),
        ),
    ),
    # Compared *given the names*: an address made of the name ("ivan.petrov") repeats the
    # name, and namesakes build theirs alike, so when the names agree its agreement is weak
    # evidence; an address of the person's own making ("wolfpack77", "ivan.petrov85") stays
    # strong. One block of levels for pairs whose names do not both agree (or are missing),
    # one for pairs whose first and last names agree (initials and nicknames too).
    Comparison(
        "email_local",
        _("E-mail, before the @"),
        _levels(
            ("exact", _("the same"), 0.80, 0.01),
            ("close", _("spelt almost the same"), 0.05, 0.005),
            ("different", _("different"), 0.15, 0.985),
            ("exact_own", _("the same, not made of the name; the names agree too"), 0.35, 0.002),
            ("exact_name", _("the same, made of the name, which agrees too"), 0.45, 0.10),
            ("close_names_agree", _("spelt almost the same; the names agree"), 0.05, 0.08),
            ("different_names_agree", _("different; the names agree"), 0.15, 0.818),
        ),
        blocks=(3, 4),
    ),
    # Compared given the local part and the names: when both agree, the same domain makes
    # the same mailbox, which namesakes cannot share, while another domain is how a
    # namesake's address built alike looks (the second block)
    Comparison(
        "email_domain",
        _("E-mail, after the @"),
        _levels(
            ("exact_rare", _("the same, not a public mail provider"), 0.20, 0.01),
            ("exact", _("the same public mail provider"), 0.55, 0.30),
            ("different", _("different"), 0.25, 0.69),
            (
                "exact_rare_address",
                _("the same, not a public mail provider: the whole address is the same"),
                0.15,
                0.01,
            ),
            (
                "exact_address",
                _("the same public mail provider: the whole address is the same"),
                0.70,
                0.03,
            ),
            ("different_same_local", _("another domain, the same before the @"), 0.15, 0.96),
        ),
        blocks=(3, 3),
    ),
    Comparison(
        "phone",
        _("Phone"),
        _levels(
            ("exact", _("the same number"), 0.82, 0.01),
            ("last7", _("the same last seven digits"), 0.03, 0.002),
            ("one_digit", _("one digit apart"), 0.03, 0.003),
            ("different", _("different"), 0.12, 0.985),
        ),
    ),
    Comparison(
        "profile",
        _("Social profile"),
        _levels(
            ("exact", _("the same"), 0.90, 0.001),
            ("different", _("different"), 0.10, 0.999),
        ),
    ),
    Comparison(
        "company",
        _("Company"),
        _levels(
            ("exact", _("the same"), 0.70, 0.05),
            ("close", _("almost the same"), 0.12, 0.03),
            ("different", _("different"), 0.18, 0.92),
        ),
    ),
    Comparison(
        "street",
        _("Street address"),
        _levels(
            ("exact", _("the same"), 0.70, 0.005),
            ("close", _("almost the same, same numbers"), 0.15, 0.005),
            ("different", _("different"), 0.15, 0.99),
        ),
    ),
    Comparison(
        "city",
        _("City"),
        _levels(
            ("exact", _("the same"), 0.85, 0.30),
            ("close", _("spelt almost the same"), 0.05, 0.02),
            ("different", _("different"), 0.10, 0.68),
        ),
    ),
    Comparison(
        "region",
        _("Region"),
        _levels(
            ("exact", _("the same"), 0.85, 0.35),
            ("different", _("different"), 0.15, 0.65),
        ),
    ),
    Comparison(
        "postcode",
        _("Postcode"),
        _levels(
            ("exact", _("the same"), 0.85, 0.02),
            ("area", _("the same area"), 0.05, 0.05),
            ("different", _("different"), 0.10, 0.93),
        ),
    ),
    Comparison(
        "birth_date",
        _("Birth date"),
        _levels(
            ("exact", _("the same"), 0.90, 0.003),
            ("close", _("one part differs, or day and month swapped"), 0.07, 0.01),
            ("different", _("different"), 0.03, 0.987),
        ),
    ),
    Comparison(
        "national_id",
        _("National id"),
        _levels(
            ("exact", _("the same"), 0.95, 0.0005),
            ("different", _("different"), 0.05, 0.9995),
        ),
    ),
)
COMPARISON_CODES: tuple[str, ...] = tuple(c.code for c in COMPARISONS)
BY_CODE: dict[str, Comparison] = {c.code: c for c in COMPARISONS}


# --- column-wise helpers ----------------------------------------------------------------


def _take(prepared: Prepared, column: str, index: np.ndarray) -> np.ndarray:
    return prepared.array(column)[index]


def _objects(values) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _similarity(a: list[str], b: list[str], scorer=JaroWinkler.normalized_similarity) -> np.ndarray:
    if len(a) == 0:
        return np.zeros(0, dtype=np.float32)
    return cpdist(a, b, scorer=scorer, workers=1)


def _present(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != "") & (b != "")


def _pick(present: np.ndarray, conditions: list[np.ndarray]) -> np.ndarray:
    """The index of the first condition that holds (the last level when none), -1 when
    missing."""
    levels = np.full(len(present), len(conditions), dtype=np.int8)
    for level in range(len(conditions) - 1, -1, -1):
        levels[conditions[level]] = level
    levels[~present] = MISSING
    return levels


def _best_over_values(
    values_a: list[tuple[str, ...]],
    values_b: list[tuple[str, ...]],
    levels_of: Callable[[list[str], list[str]], np.ndarray],
    many: bool = True,
) -> np.ndarray:
    """For fields with several values (a lead's phones, e-mails): the best level over every
    pair of values, -1 when either side has none. ``many`` false: no record has more than
    one, and the pairs are compared directly."""
    n = len(values_a)
    if not many:
        flat_a = [a[0] if a else "" for a in values_a]
        flat_b = [b[0] if b else "" for b in values_b]
        return levels_of(flat_a, flat_b)
    owners, flat_a, flat_b = [], [], []
    for k, (many_a, many_b) in enumerate(zip(values_a, values_b, strict=True)):
        for a in many_a:
            for b in many_b:
                owners.append(k)
                flat_a.append(a)
                flat_b.append(b)
    best = np.full(n, np.iinfo(np.int8).max, dtype=np.int8)
    if owners:
        levels = levels_of(flat_a, flat_b)
        levels[levels == MISSING] = np.iinfo(np.int8).max
        np.minimum.at(best, np.asarray(owners), levels)
    best[best == np.iinfo(np.int8).max] = MISSING
    return best


# --- the comparisons, column-wise ---------------------------------------------------------


def _close(sim: np.ndarray, a: list[str], b: list[str], threshold: float) -> np.ndarray:
    """Jaro–Winkler at or above the threshold, or one edit apart (a typo in a short name,
    which Jaro–Winkler punishes: "Anni"/"Anno", "Elena"/"Eena")."""
    edits = _similarity(a, b, scorer=Levenshtein.distance)
    long_enough = (np.fromiter(map(len, a), np.int32, len(a)) >= 3) & (
        np.fromiter(map(len, b), np.int32, len(b)) >= 3
    )
    return (sim >= threshold) | (long_enough & (edits <= 1))


def _names(prepared: Prepared, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    first_a, first_b = _take(prepared, "first", a), _take(prepared, "first", b)
    last_a, last_b = _take(prepared, "last", a), _take(prepared, "last", b)
    sim_first = _similarity(first_a, first_b)
    sim_last = _similarity(last_a, last_b)
    sim_cross_1 = _similarity(first_a, last_b)
    sim_cross_2 = _similarity(last_a, first_b)
    fa, fb, la, lb = map(_objects, (first_a, first_b, last_a, last_b))
    all_present = _present(fa, fb) & _present(la, lb)
    # "Ivanov Sergei" against "Sergei Ivanov" (or "Ivanov Sasha", "Tuominen A."): compare
    # across when one name fits across well, the other fits across too (spelling, nickname
    # or initial), and across fits better than straight
    across = (
        all_present
        & (np.maximum(sim_cross_1, sim_cross_2) >= 0.92)
        & (sim_cross_1 + sim_cross_2 > sim_first + sim_last + 0.1)
    )
    swapped = across & (np.minimum(sim_cross_1, sim_cross_2) >= 0.85)
    for k in np.flatnonzero(across & ~swapped).tolist():
        i, j = a[k], b[k]
        swapped[k] = bool(
            prepared.first_groups[i] & prepared.last_groups[j]
            or prepared.last_groups[i] & prepared.first_groups[j]
            or _initial_fit(fa[k], lb[k])
            or _initial_fit(la[k], fb[k])
        )
    fb_aligned = np.where(swapped, lb, fb)
    lb_aligned = np.where(swapped, fb, lb)
    sim_first = np.where(swapped, sim_cross_1, sim_first)
    sim_last = np.where(swapped, sim_cross_2, sim_last)

    present_first = _present(fa, fb_aligned)
    first_exact = fa == fb_aligned
    first_close = np.zeros(len(fa), dtype=bool)
    unsure = np.flatnonzero(present_first & ~first_exact)
    first_close[unsure] = _close(
        sim_first[unsure], fa[unsure].tolist(), fb_aligned[unsure].tolist(), 0.88
    )
    nickname = np.zeros(len(fa), dtype=bool)
    for k in np.flatnonzero(present_first & ~first_exact & ~first_close).tolist():
        i, j = a[k], b[k]
        groups_b = prepared.last_groups[j] if swapped[k] else prepared.first_groups[j]
        nickname[k] = bool(prepared.first_groups[i] & groups_b)
    initials = np.zeros(len(fa), dtype=bool)
    unsure = np.flatnonzero(present_first & ~first_exact & ~nickname & ~first_close)
    initials[unsure] = _initial_fits(fa[unsure], fb_aligned[unsure])
    first = _pick(present_first, [first_exact, nickname, first_close, initials])

    present_last = _present(la, lb_aligned)
    last_exact = la == lb_aligned
    last_close = np.zeros(len(la), dtype=bool)
    unsure = np.flatnonzero(present_last & ~last_exact)
    last_close[unsure] = _close(
        sim_last[unsure], la[unsure].tolist(), lb_aligned[unsure].tolist(), 0.92
    ) | _one_surname_of_two(la[unsure], lb_aligned[unsure])
    last = _pick(present_last, [last_exact, last_close, sim_last >= 0.84])
    return first, last, swapped


def _one_surname_of_two(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ "Jurado" against "Jurado Acosta": one of two surnames (Spanish and Portuguese names
    carry both parents'; people often give one)."""
    return np.fromiter(
        (
            bool(set(x.split()) & set(y.split()))
            for x, y in zip(a.tolist(), b.tolist(), strict=True)
        ),
        dtype=bool,
        count=len(a),
    )


def _initial_fit(x: str, y: str) -> bool:
    return bool(x) and bool(y) and (len(x) == 1 or len(y) == 1) and x[0] == y[0]


def _initial_fits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.fromiter(
        (
            bool(x) and bool(y) and (len(x) == 1 or len(y) == 1) and x[0] == y[0]
            for x, y in zip(a.tolist(), b.tolist(), strict=True)
        ),
        dtype=bool,
        count=len(a),
    )


def _middle(prepared: Prepared, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ma, mb = _take(prepared, "middle", a), _take(prepared, "middle", b)
    sim = _similarity(ma, mb)
    oa, ob = _objects(ma), _objects(mb)
    present, same = _present(oa, ob), oa == ob
    close = sim >= 0.88
    # most pairs have no middle name: the initials are looked at only where still unsure
    unsure = np.flatnonzero(present & ~same & ~close)
    close[unsure] = _initial_fits(oa[unsure], ob[unsure])
    return _pick(present, [same, close])


# the e-mail local part's levels before the names are known: the same and of the person's
# own making, the same and made of the name, spelt almost the same, different
_LOCAL_OWN, _LOCAL_NAME, _LOCAL_CLOSE, _LOCAL_DIFFERENT = range(4)
_DOMAIN_LEVELS = 3


def _email_levels(a: list[tuple[str, bool]], b: list[tuple[str, bool]]) -> np.ndarray:
    """(address, made of its owner's name) pairs: local part and domain in one code (local
    level × 3 + domain level), so that the best pair of addresses is chosen on both at
    once."""
    parts_a = [x[0].partition("@") for x in a]
    parts_b = [x[0].partition("@") for x in b]
    named = np.fromiter((x[1] or y[1] for x, y in zip(a, b, strict=True)), bool, len(a))
    return _email_parts_levels(
        _objects([p[0] for p in parts_a]),
        _objects([p[0] for p in parts_b]),
        _objects([p[2] for p in parts_a]),
        _objects([p[2] for p in parts_b]),
        lambda same: named[same],
    )


def _email_parts_levels(
    local_a: np.ndarray,
    local_b: np.ndarray,
    domain_a: np.ndarray,
    domain_b: np.ndarray,
    named: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """``named(pairs)``: whether either address of these pairs (positions), whose local
    parts are the same, is made of its owner's name — asked only of those."""
    sim = _similarity(local_a, local_b)
    present = _present(local_a, local_b)
    long_enough = np.fromiter(map(len, local_a), np.int32, len(local_a)) >= 4
    same = (local_a == local_b) & present
    same_named = np.zeros(len(local_a), dtype=bool)
    same_at = np.flatnonzero(same)
    same_named[same_at] = named(same_at)
    local = _pick(present, [same & ~same_named, same, (sim >= 0.9) & long_enough])
    same_domain = domain_a == domain_b
    rare = np.zeros(len(local_a), dtype=bool)
    for k in np.flatnonzero(same_domain & present).tolist():
        rare[k] = domain_a[k] not in FREE_EMAIL_DOMAINS
    domain = _pick(present, [same_domain & rare, same_domain])
    combined = (local * _DOMAIN_LEVELS + domain).astype(np.int8)
    combined[~present] = MISSING
    return combined


def _with_flags(prepared: Prepared, records: np.ndarray) -> list[tuple[tuple[str, bool], ...]]:
    return [
        tuple(zip(prepared.emails[i], prepared.emails_named(i), strict=True))
        for i in records.tolist()
    ]


def _emails(prepared: Prepared, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The local part's level before the names are known (``_LOCAL_*``) and the domain's."""
    if prepared.many("emails"):
        combined = _best_over_values(
            _with_flags(prepared, a), _with_flags(prepared, b), _email_levels
        )
    else:  # one address at most each: the parts split once per record, not per pair
        combined = _email_parts_levels(
            _take(prepared, "email_local", a),
            _take(prepared, "email_local", b),
            _take(prepared, "email_domain", a),
            _take(prepared, "email_domain", b),
            lambda same: prepared.email_named(a[same]) | prepared.email_named(b[same]),
        )
    local = np.where(combined == MISSING, MISSING, combined // _DOMAIN_LEVELS).astype(np.int8)
    domain = np.where(combined == MISSING, MISSING, combined % _DOMAIN_LEVELS).astype(np.int8)
    return local, domain


# the e-mail's levels given the names: when they do not both agree, the local part's first
# block, where "made of the name" is not told apart, and the domain's first block; when they
# agree, the local part's second block, and for the same local part the domain's second
_LOCAL_NAMES_DIFFER = np.array([0, 0, 1, 2], dtype=np.int8)
_LOCAL_NAMES_AGREE = np.array([3, 4, 5, 6], dtype=np.int8)
_DOMAIN_SAME_LOCAL = 3
_FIRST_AGREES = [
    BY_CODE["first_name"].level_codes().index(c) for c in ("exact", "nickname", "close", "initial")
]
_LAST_AGREES = [BY_CODE["last_name"].level_codes().index(c) for c in ("exact", "close")]


def _email_given_names(
    local: np.ndarray, domain: np.ndarray, first: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    names_agree = np.isin(first, _FIRST_AGREES) & np.isin(last, _LAST_AGREES)
    present = local != MISSING
    known = np.where(present, local, _LOCAL_DIFFERENT)
    same_local = names_agree & (known <= _LOCAL_NAME)
    local = np.where(names_agree, _LOCAL_NAMES_AGREE[known], _LOCAL_NAMES_DIFFER[known])
    domain = np.where(same_local, domain + _DOMAIN_SAME_LOCAL, domain)
    return (
        np.where(present, local, MISSING).astype(np.int8),
        np.where(present, domain, MISSING).astype(np.int8),
    )


def _phone_levels(a, b) -> np.ndarray:
    oa, ob = _objects(a), _objects(b)
    last7_a = _objects([x[-7:] for x in oa.tolist()])
    last7_b = _objects([x[-7:] for x in ob.tolist()])
    edits = _similarity(oa, ob, scorer=Levenshtein.distance)
    long_enough = (np.fromiter(map(len, oa), np.int32, len(oa)) >= 9) & (
        np.fromiter(map(len, ob), np.int32, len(ob)) >= 9
    )
    return _pick(_present(oa, ob), [oa == ob, last7_a == last7_b, long_enough & (edits <= 1)])


def _exact_levels(a: list[str], b: list[str]) -> np.ndarray:
    oa, ob = _objects(a), _objects(b)
    return _pick(_present(oa, ob), [oa == ob])


def _text(
    prepared: Prepared, column: str, a: np.ndarray, b: np.ndarray, scorer, threshold: float
) -> np.ndarray:
    va, vb = _take(prepared, column, a), _take(prepared, column, b)
    oa, ob = _objects(va), _objects(vb)
    sim = _similarity(va, vb, scorer=scorer)
    return _pick(_present(oa, ob), [oa == ob, sim >= threshold])


def _street(prepared: Prepared, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    va, vb = _take(prepared, "street", a), _take(prepared, "street", b)
    oa, ob = _objects(va), _objects(vb)
    sim = _similarity(va, vb, scorer=fuzz.token_set_ratio)
    same_numbers = _objects(_take(prepared, "street_numbers", a)) == _objects(
        _take(prepared, "street_numbers", b)
    )
    return _pick(_present(oa, ob), [oa == ob, (sim >= 85) & same_numbers])


def _postcode(prepared: Prepared, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    va, vb = _take(prepared, "postcode", a), _take(prepared, "postcode", b)
    oa, ob = _objects(va), _objects(vb)
    area = _objects([x[:3] for x in va]) == _objects([x[:3] for x in vb])
    return _pick(_present(oa, ob), [oa == ob, area])


def _date_close(x: str, y: str) -> bool:
    """One of year, month and day differs, or day and month are swapped."""
    px, py = x.split("-"), y.split("-")
    if len(px) != 3 or len(py) != 3:
        return False
    if px[0] == py[0] and px[1] == py[2] and px[2] == py[1]:
        return True
    return sum(p != q for p, q in zip(px, py, strict=True)) == 1


def _birth_date(prepared: Prepared, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    va, vb = _take(prepared, "birth_date", a), _take(prepared, "birth_date", b)
    oa, ob = _objects(va), _objects(vb)
    present, same = _present(oa, ob), oa == ob
    close = np.zeros(len(va), dtype=bool)
    for k in np.flatnonzero(present & ~same).tolist():
        close[k] = _date_close(va[k], vb[k])
    return _pick(present, [same, close])


@dataclass
class Compared:
    """The levels of many pairs: ``levels[k, j]`` is pair k's level on comparison j."""

    a: np.ndarray
    b: np.ndarray
    levels: np.ndarray
    swapped: np.ndarray


def compare(prepared: Prepared, a: np.ndarray, b: np.ndarray) -> Compared:
    """Compare record a[k] with record b[k] for every k, on every comparison."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    first, last, swapped = _names(prepared, a, b)
    many = {column: prepared.many(column) for column in ("phones", "profiles")}
    email_local, email_domain = _emails(prepared, a, b)
    email_local, email_domain = _email_given_names(email_local, email_domain, first, last)
    columns = {
        "first_name": first,
        "last_name": last,
        "middle_name": _middle(prepared, a, b),
        "email_local": email_local,
        "email_domain": email_domain,
        "phone": _best_over_values(
            _take(prepared, "phones", a),
            _take(prepared, "phones", b),
            _phone_levels,
            many["phones"],
        ),
        "profile": _best_over_values(
            _take(prepared, "profiles", a),
            _take(prepared, "profiles", b),
            _exact_levels,
            many["profiles"],
        ),
        "company": _text(prepared, "company", a, b, fuzz.token_set_ratio, 90),
        "street": _street(prepared, a, b),
        "city": _text(prepared, "city", a, b, JaroWinkler.normalized_similarity, 0.9),
        "region": _exact_levels(_take(prepared, "region", a), _take(prepared, "region", b)),
        "postcode": _postcode(prepared, a, b),
        "birth_date": _birth_date(prepared, a, b),
        "national_id": _exact_levels(
            _take(prepared, "national_id", a), _take(prepared, "national_id", b)
        ),
    }
    levels = np.stack([columns[code] for code in COMPARISON_CODES], axis=1).astype(np.int8)
    return Compared(a=a, b=b, levels=levels, swapped=swapped)
