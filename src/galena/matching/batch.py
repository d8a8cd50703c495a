"""Batch de-duplication of many records in memory: blocking keys → candidate pairs →
comparison levels → (EM) → match probabilities. Used by ``galena dedupe`` over the lead base
and over any CSV file. Pure: no database.

Candidate pairs come from the records that share a blocking key (``records.record_keys``).
A block larger than ``max_block`` (a very common surname in one city, a shared office
phone) is not compared all-to-all: its records are sorted by name and each is compared with
its ``window`` nearest neighbours (sorted neighbourhood), so the work grows linearly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from galena.matching.comparisons import COMPARISON_CODES, compare
from galena.matching.model import MatchModel, estimate
from galena.matching.records import Prepared, record_keys

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class Result:
    a: np.ndarray  # record indexes, a < b
    b: np.ndarray
    probability: np.ndarray
    model: MatchModel
    candidate_pairs: int
    em_iterations: int


@cache
def _pairs_within(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(size, k=1)


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def candidate_pairs(
    prepared: Prepared,
    *,
    max_block: int = 20,
    window: int = 6,
    progress: Progress = _no_progress,
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of records that share a blocking key, once, as index arrays with a < b."""
    n = len(prepared)
    key_ids: dict[str, int] = {}
    owners: list[int] = []
    blocks: list[int] = []
    step = max(n // 100, 1)
    for i in range(n):
        for key in record_keys(prepared, i):
            owners.append(i)
            blocks.append(key_ids.setdefault(key, len(key_ids)))
        if i % step == 0:
            progress("keys", i, n)
    progress("keys", n, n)
    key_ids.clear()
    block = np.asarray(blocks, dtype=np.int64)
    owner = np.asarray(owners, dtype=np.int64)
    del blocks, owners
    order = np.argsort(block, kind="stable")
    block, owner = block[order], owner[order]
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    sizes = np.diff(np.r_[starts, len(block)])
    codes: list[np.ndarray] = []
    # blocks of one size at a time: their members as a matrix, all their pairs at once
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_block)]).tolist():
        first = starts[sizes == size]
        members = owner[first[:, None] + np.arange(size)]
        left, right = _pairs_within(size)
        codes.append(_codes(members[:, left].ravel(), members[:, right].ravel(), n))
    # larger blocks: sorted by name, each record against its ``window`` neighbours
    name_order = _name_rank(prepared) if np.any(sizes > max_block) else None
    for at, size in zip(
        starts[sizes > max_block].tolist(), sizes[sizes > max_block].tolist(), strict=True
    ):
        index = owner[at : at + size]
        index = index[np.argsort(name_order[index], kind="stable")]
        reach = range(1, min(window, size - 1) + 1)
        codes.append(
            _codes(
                np.concatenate([index[:-k] for k in reach]),
                np.concatenate([index[k:] for k in reach]),
                n,
            )
        )
    if not codes:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    unique = np.unique(np.concatenate(codes))
    return unique // n, unique % n


def _codes(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Unordered pairs as one int64 each (low * n + high), for np.unique."""
    return np.minimum(a, b) * n + np.maximum(a, b)


def _name_rank(prepared: Prepared) -> np.ndarray:
    """Each record's rank in (last name, first name) order, for sorted neighbourhoods."""
    names = [f"{last} {first}" for last, first in zip(prepared.last, prepared.first, strict=True)]
    order = np.argsort(np.asarray(names, dtype=object), kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return rank


def dedupe(
    prepared: Prepared,
    model: MatchModel,
    *,
    estimate_weights: bool = True,
    threshold: float | None = None,
    chunk: int = 400_000,
    progress: Progress = _no_progress,
) -> Result:
    """The pairs of records judged the same person with probability ≥ ``threshold`` (the
    model's possible-duplicate threshold by default), with weights estimated by EM from the
    candidate pairs unless ``estimate_weights`` is false."""
    a, b = candidate_pairs(prepared, progress=progress)
    total = len(a)
    parts = []
    for start in range(0, total, chunk):
        parts.append(compare(prepared, a[start : start + chunk], b[start : start + chunk]).levels)
        progress("compare", min(start + chunk, total), total)
    levels = np.concatenate(parts) if parts else np.zeros((0, len(COMPARISON_CODES)), dtype=np.int8)
    iterations = 0
    if estimate_weights and total:
        fitted = estimate(levels, model)
        model, iterations = fitted.model, fitted.iterations
        progress("estimate", 1, 1)
    probability = model.probability(levels) if total else np.zeros(0)
    keep = probability >= (model.possible_threshold if threshold is None else threshold)
    return Result(
        a=a[keep],
        b=b[keep],
        probability=probability[keep],
        model=model,
        candidate_pairs=total,
        em_iterations=iterations,
    )
