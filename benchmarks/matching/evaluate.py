"""Pairwise evaluation of a matcher's output against the generator's true clusters.

A pair is unordered: (a, b), (b, a) and a repeated row count once; a pair of an id with
itself is ignored. The true pairs are all the pairs within each cluster; precision, recall
and F1 are over pairs. Recall is also broken down by corruption kind (a true pair carries
the kinds of both its records) and false positives by the kind of look-alike they join.
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

Pair = tuple[str, str]


def normalise_id(value: object) -> str:
    """Ids as the generator writes them: ``"17"``, whether a tool wrote 17, 17.0 or "17"."""
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text


def pair(a: object, b: object) -> Pair | None:
    a, b = normalise_id(a), normalise_id(b)
    if a == b:
        return None
    return (a, b) if a < b else (b, a)


def unique_pairs(pairs: Iterable[tuple[object, object]]) -> set[Pair]:
    out = set()
    for a, b in pairs:
        p = pair(a, b)
        if p:
            out.add(p)
    return out


@dataclass
class Truth:
    cluster: dict[str, str]
    kinds: dict[str, frozenset[str]] = field(default_factory=dict)
    hard: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, str]]) -> Truth:
        truth = cls({})
        for row in rows:
            rid = normalise_id(row["id"])
            truth.cluster[rid] = row["cluster"]
            truth.kinds[rid] = frozenset(k for k in row.get("corruptions", "").split(";") if k)
            truth.hard[rid] = frozenset(h for h in row.get("hard", "").split("|") if h)
        return truth

    @classmethod
    def from_csv(cls, path: str | Path) -> Truth:
        with open(path, newline="", encoding="utf-8") as f:
            return cls.from_rows(csv.DictReader(f))

    def true_pairs(self) -> set[Pair]:
        members: dict[str, list[str]] = defaultdict(list)
        for rid, cluster in self.cluster.items():
            members[cluster].append(rid)
        out: set[Pair] = set()
        for ids in members.values():
            for a, b in itertools.combinations(ids, 2):
                out.add(pair(a, b))
        return out

    def pair_kinds(self, p: Pair) -> frozenset[str]:
        return self.kinds.get(p[0], frozenset()) | self.kinds.get(p[1], frozenset())

    def lookalike(self, p: Pair) -> str:
        """What joins two different people of a false positive: the kind of a shared
        look-alike group (crowd, namesake, family), else ``other``."""
        shared = self.hard.get(p[0], frozenset()) & self.hard.get(p[1], frozenset())
        if not shared:
            return "other"
        return sorted(group.split(":")[0] for group in shared)[0]


@dataclass
class Scores:
    predicted: int
    true: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.true if self.true else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "predicted": self.predicted,
            "true": self.true,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def score(predicted: set[Pair], true: set[Pair]) -> Scores:
    tp = len(predicted & true)
    return Scores(len(predicted), len(true), tp, len(predicted) - tp, len(true) - tp)


def evaluate(pairs: Iterable[tuple[object, object]], truth: Truth) -> Scores:
    return score(unique_pairs(pairs), truth.true_pairs())


def recall_by_kind(predicted: set[Pair], truth: Truth) -> dict[str, tuple[int, int]]:
    """kind -> (true pairs carrying it, of those found); ``none`` for clean pairs."""
    total: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for p in truth.true_pairs():
        kinds = truth.pair_kinds(p) or frozenset({"none"})
        hit = p in predicted
        for kind in kinds:
            total[kind] += 1
            found[kind] += hit
    return {kind: (total[kind], found[kind]) for kind in sorted(total)}


def false_positives_by_lookalike(predicted: set[Pair], truth: Truth) -> dict[str, int]:
    true = truth.true_pairs()
    counts = Counter(truth.lookalike(p) for p in predicted - true)
    return dict(sorted(counts.items()))


def components(pairs: Iterable[Pair]) -> dict[str, str]:
    """id -> a representative of its connected component (ids in no pair are left out)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    return {x: find(x) for x in parent}


def closure_score(predicted: set[Pair], truth: Truth) -> Scores:
    """Scores of the transitive closure of ``predicted`` (all pairs within its connected
    components, what clustering the pairs gives), counted without listing the pairs."""
    component = components(predicted)
    sizes = Counter(component.values())
    both = Counter((root, truth.cluster.get(x)) for x, root in component.items())
    n_predicted = sum(n * (n - 1) // 2 for n in sizes.values())
    tp = sum(n * (n - 1) // 2 for n in both.values())
    true = len(truth.true_pairs())
    return Scores(n_predicted, true, tp, n_predicted - tp, true - tp)


def read_scored_pairs(path: str | Path) -> dict[Pair, float]:
    """``id_a,id_b,probability`` with a header line: each unordered pair's highest score
    (1.0 where a file gives none)."""
    scored: dict[Pair, float] = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            p = pair(row[0], row[1]) if len(row) >= 2 else None
            if p:
                try:
                    value = float(row[2]) if len(row) > 2 else 1.0
                except ValueError:
                    value = 1.0
                scored[p] = max(value, scored.get(p, 0.0))
    return scored


def best_threshold(scored: dict[Pair, float], true: set[Pair]) -> tuple[float, Scores]:
    """The threshold (among the scores written) with the best F1, and its scores: what the
    tool could do with a cut chosen by someone who knows the answers."""
    ranked = sorted(scored.items(), key=lambda item: -item[1])
    best = (1.0, score(set(), true))
    tp = 0
    for i, (p, value) in enumerate(ranked, 1):
        tp += p in true
        if i < len(ranked) and ranked[i][1] == value:
            continue
        candidate = Scores(i, len(true), tp, i - tp, len(true) - tp)
        if candidate.f1 > best[1].f1:
            best = (value, candidate)
    return best


def read_pairs(path: str | Path) -> set[Pair]:
    """``id_a,id_b[,probability]`` with a header line."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader, None)
        return unique_pairs((row[0], row[1]) for row in reader if len(row) >= 2)
