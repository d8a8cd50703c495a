"""Batch de-duplication in memory: candidate pairs from blocking keys, never all pairs."""

import numpy as np

from galena.matching.batch import candidate_pairs, dedupe
from galena.matching.model import MatchModel
from galena.matching.records import Record, prepare, record_keys


def test_records_that_share_no_key_are_never_compared():
    prepared = prepare(
        [
            Record(1, "Ana", "Popescu", emails=["ana@x.ro"]),
            Record(2, "Boris", "Sokolov", phones=["+79161234567"]),
            Record(3, "Ana", "Popescu", phones=["+40744518203"]),
        ]
    )
    a, b = candidate_pairs(prepared)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 2)]


def test_a_huge_block_is_compared_in_a_sliding_window_not_all_to_all():
    records = [Record(i, f"Given{i:04d}", "Ivanov", city="Moskva") for i in range(500)]
    prepared = prepare(records)
    assert "lc:ivan|g|moskva" in record_keys(prepared, 0)
    a, b = candidate_pairs(prepared, max_block=50, window=5)
    assert len(a) <= 500 * 5
    assert np.all(a < b)


def test_dedupe_finds_the_same_person_written_differently_and_nobody_else():
    records = [
        Record("a", "Александр", "Иванов", emails=["a.ivanov@mail.ru"], phones=["+79161234567"]),
        Record("b", "Sasha", "Ivanov", emails=["a.ivanov@mail.ru"], phones=["8 916 123 45 67"]),
        Record("c", "Ivan", "Ivanov", emails=["ivan.ivanov@mail.ru"], phones=["+79031112233"]),
        Record("d", "Ecaterina", "Popescu", emails=["cati.p@gmial.com"], birth_date="07.03.1985"),
        Record("e", "Katia", "Popescu", emails=["cati.p@gmail.com"], birth_date="1985-03-07"),
        Record("f", "Mihai", "Popescu", emails=["mihai.p@gmail.com"], birth_date="1983-11-02"),
    ]
    prepared = prepare(records)
    result = dedupe(prepared, MatchModel.default(), estimate_weights=False)
    pairs = {(prepared.ids[a], prepared.ids[b]) for a, b in zip(result.a, result.b, strict=True)}
    assert pairs == {("a", "b"), ("d", "e")}
