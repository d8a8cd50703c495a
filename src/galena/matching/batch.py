"""Batch de-duplication of many records in memory: blocking keys → candidate pairs →
comparison levels → (EM) → match probabilities. Used by ``galena dedupe`` over the lead base
and over any CSV file. Pure: no database.

Candidate pairs come from the records that share a blocking key (``records.record_keys``).
A key shared by more than ``max_block`` records (a very common name in one city, a shared
office phone) makes no pairs: it is too common to point at one person, and such records
still meet through their other keys. Keys and comparisons run in forked worker processes
on large inputs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context

import numpy as np

from galena.matching.comparisons import COMPARISON_CODES, compare
from galena.matching.model import MatchModel, estimate, level_patterns, probability_of
from galena.matching.records import MAX_BLOCK, Prepared, record_keys

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class Result:
    a: np.ndarray  # record indexes, a < b
    b: np.ndarray
    probability: np.ndarray
    model: MatchModel
    frequency: np.ndarray  # the bits each pair got for how common its names are
    candidate_pairs: int
    em_iterations: int


@cache
def _pairs_within(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(size, k=1)


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def _keys_of(span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The (record, key hash) pairs of records ``span`` (in a worker: reads _SHARED)."""
    prepared = _SHARED["prepared"]
    owners: list[int] = []
    hashes: list[int] = []
    for i in range(*span):
        for key in record_keys(prepared, i):
            owners.append(i)
            hashes.append(hash(key))
    return np.asarray(owners, dtype=np.int64), np.asarray(hashes, dtype=np.int64)


def _levels_of(span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    a, b = _SHARED["a"], _SHARED["b"]
    compared = compare(_SHARED["prepared"], a[span[0] : span[1]], b[span[0] : span[1]])
    return compared.levels, compared.swapped


# What forked workers read: set before the pool forks, so they share it copy-on-write
# instead of receiving a pickled million records.
_SHARED: dict = {}


def _spans(total: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, total)) for start in range(0, total, size)]


def _map(function, spans, workers: int, progress: Progress, phase: str, total: int) -> list:
    """``function`` over the spans, in ``workers`` forked processes when there are several
    (hashes of str agree across a fork, so key hashes from workers can be compared)."""
    results = []
    if workers <= 1 or len(spans) <= 1:
        for span in spans:
            results.append(function(span))
            progress(phase, span[1], total)
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        for span, result in zip(spans, pool.map(function, spans), strict=True):
            results.append(result)
            progress(phase, span[1], total)
    return results


def candidate_pairs(
    prepared: Prepared,
    *,
    max_block: int = MAX_BLOCK,
    workers: int = 1,
    progress: Progress = _no_progress,
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of records that share a blocking key, once, as index arrays with a < b.

    A key shared by more than ``max_block`` records (a very common name, a switchboard
    number) is too common to say two records are one person: it makes no pairs, and those
    records meet through their other keys."""
    n = len(prepared)
    _SHARED["prepared"] = prepared
    try:
        parts = _map(_keys_of, _spans(n, 50_000), workers, progress, "keys", n)
    finally:
        _SHARED.clear()
    owner = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    block = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    order = np.argsort(block, kind="stable")
    block, owner = block[order], owner[order]
    starts = (
        np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
        if len(block)
        else np.zeros(0, dtype=np.int64)
    )
    sizes = np.diff(np.r_[starts, len(block)])
    codes: list[np.ndarray] = []
    # blocks of one size at a time: their members as a matrix, all their pairs at once
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_block)]).tolist():
        first = starts[sizes == size]
        members = owner[first[:, None] + np.arange(size)]
        left, right = _pairs_within(size)
        codes.append(_codes(members[:, left].ravel(), members[:, right].ravel(), n))
    if not codes:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    unique = np.unique(np.concatenate(codes))
    return unique // n, unique % n


def _codes(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Unordered pairs as one int64 each (low * n + high), for np.unique."""
    return np.minimum(a, b) * n + np.maximum(a, b)


FREQUENCY_ADJUSTED = (("first_name", "first"), ("last_name", "last"))


def _name_counts(prepared: Prepared, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A name column's distinct values (sorted), how often each occurs, and each record's
    value's count."""
    values, inverse, counts = np.unique(
        prepared.array(column).astype(str), return_inverse=True, return_counts=True
    )
    return values, counts, counts[inverse]


def _count_in(values: np.ndarray, counts: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """How often each of ``wanted`` occurs in a column (0 when never)."""
    if len(values) == 0:
        return np.zeros(len(wanted), dtype=counts.dtype)
    at = np.minimum(np.searchsorted(values, wanted), len(values) - 1)
    return np.where(values[at] == wanted, counts[at], 0)


def frequency_adjustment(
    prepared: Prepared, a: np.ndarray, levels: np.ndarray, swapped: np.ndarray | None = None
) -> np.ndarray:
    """Bits to add to each pair for how common the name it agrees on is: two "Juha
    Virtanen" in Helsinki are weaker evidence than two "Aurelian Dochioiu". For an exact
    agreement, log2 of (the geometric mean frequency of the agreeing names / this name's
    frequency), within ±4 bits: it averages to nothing in bits, so EM's calibration holds
    on average. When the names were compared crosswise (``swapped``), a name counts as
    common as it is in either column: "Niemi" written as a first name is rare there, but
    it is a common surname."""
    adjustment = np.zeros(len(a))
    counted = {column: _name_counts(prepared, column) for _code, column in FREQUENCY_ADJUSTED}
    for code, column in FREQUENCY_ADJUSTED:
        exact = levels[:, COMPARISON_CODES.index(code)] == 0
        if not exact.any():
            continue
        counts = counted[column][2][a[exact]]
        if swapped is not None:
            crossed = swapped[exact]
            if crossed.any():
                other = "last" if column == "first" else "first"
                values = prepared.array(column)[a[exact][crossed]].astype(str)
                counts = counts.copy()
                counts[crossed] = np.maximum(
                    counts[crossed], _count_in(*counted[other][:2], values)
                )
        bits = np.log2(counts.astype(np.float64))
        adjustment[exact] += np.clip(bits.mean() - bits, -4, 4)
    return adjustment


def dedupe(
    prepared: Prepared,
    model: MatchModel,
    *,
    estimate_weights: bool = True,
    threshold: float | None = None,
    chunk: int = 250_000,
    workers: int | None = None,
    progress: Progress = _no_progress,
) -> Result:
    """The pairs of records judged the same person with probability ≥ ``threshold`` (the
    model's possible-duplicate threshold by default), with weights estimated by EM from the
    candidate pairs unless ``estimate_weights`` is false. ``workers``: processes (default:
    the machine's cores for large inputs, one for small)."""
    if workers is None:
        workers = (os.cpu_count() or 1) if len(prepared) >= 50_000 else 1
    a, b = candidate_pairs(prepared, workers=workers, progress=progress)
    total = len(a)
    _SHARED.update(prepared=prepared, a=a, b=b)
    try:
        parts = _map(_levels_of, _spans(total, chunk), workers, progress, "compare", total)
    finally:
        _SHARED.clear()
    levels = (
        np.concatenate([p[0] for p in parts])
        if parts
        else np.zeros((0, len(COMPARISON_CODES)), dtype=np.int8)
    )
    swapped = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=bool)
    iterations = 0
    probability = frequency = np.zeros(0)
    if total:
        grouped = level_patterns(levels)
        if estimate_weights:
            fitted = estimate(grouped, model)
            model, iterations = fitted.model, fitted.iterations
            progress("estimate", 1, 1)
        weight = model.match_weight(grouped.patterns)[grouped.inverse]
        frequency = frequency_adjustment(prepared, a, levels, swapped)
        probability = probability_of(weight + frequency)
    keep = probability >= (model.possible_threshold if threshold is None else threshold)
    return Result(
        a=a[keep],
        b=b[keep],
        probability=probability[keep],
        model=model,
        frequency=frequency[keep],
        candidate_pairs=total,
        em_iterations=iterations,
    )
