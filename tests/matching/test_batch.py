"""Batch de-duplication in memory: candidate pairs from blocking keys, never all pairs."""

import numpy as np
import pytest

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


def test_a_key_too_common_to_point_at_one_person_makes_no_pairs():
    # thirty different given names starting "G" (name forms fold doubled letters)
    records = [
        Record(i, f"G{chr(97 + i % 26)}v{chr(97 + i // 26)}", "Ivanov", city="Moskva")
        for i in range(30)
    ]
    records.append(Record(30, "Gbva", "Ivanov", city="Moskva", emails=["g1@mail.ru"]))
    records.append(Record(31, "Other", "Name", emails=["g1@mail.ru"]))
    prepared = prepare(records)
    assert "lc:ivan|g|moskva" in record_keys(prepared, 0)
    a, b = candidate_pairs(prepared, max_block=20)
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    # the 31 records sharing the city key are not compared all to all (465 pairs); those
    # that share a rarer key still are
    assert {(1, 30), (30, 31)} <= pairs
    assert len(pairs) < 40


# pytest-xdist runs its own threads in the test process; the command itself forks from a
# process without any
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_workers_find_the_same_pairs_as_one_process():
    records = [
        Record(i, f"Name{i % 40}", f"Surname{i % 35}", emails=[f"p{i % 50}@x.ro"])
        for i in range(400)
    ]
    prepared = prepare(records)
    one = candidate_pairs(prepared, workers=1)
    two = candidate_pairs(prepared, workers=2)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    result_one = dedupe(prepared, MatchModel.default(), workers=1, chunk=100)
    result_two = dedupe(prepared, MatchModel.default(), workers=2, chunk=100)
    assert np.array_equal(result_one.probability, result_two.probability)


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


def test_agreeing_on_a_common_name_counts_less_than_on_a_rare_one():
    from galena.matching.batch import frequency_adjustment
    from galena.matching.comparisons import COMPARISON_CODES

    records = [Record(i, "Juha", "Virtanen") for i in range(8)]
    records += [Record(8, "Aurelian", "Dochioiu"), Record(9, "Aurelian", "Dochioiu")]
    prepared = prepare(records)
    levels = np.full((2, len(COMPARISON_CODES)), -1, dtype=np.int8)
    levels[:, COMPARISON_CODES.index("first_name")] = 0
    levels[:, COMPARISON_CODES.index("last_name")] = 0
    common, rare = frequency_adjustment(prepared, np.array([0, 8]), levels)
    assert common < 0 < rare
    assert common == pytest.approx(-rare)


def test_names_compared_crosswise_count_as_common_as_they_are_in_either_column():
    from galena.matching.batch import frequency_adjustment
    from galena.matching.comparisons import compare

    # Niemi is a common surname and Antero a common given name; written the other way round
    # they are rare in their columns, which must not make the pair look rare
    records = [Record(i, f"Given{chr(97 + i)}", "Niemi") for i in range(8)]
    records += [Record(8 + i, "Antero", f"Family{chr(97 + i)}") for i in range(8)]
    records += [Record(16, "Niemi", "Antero"), Record(17, "Antero", "Niemi")]
    records += [Record(18, "Aurelian", "Dochioiu"), Record(19, "Aurelian", "Dochioiu")]
    prepared = prepare(records)
    compared = compare(prepared, np.array([16, 18]), np.array([17, 19]))
    assert compared.swapped.tolist() == [True, False]
    crosswise, rare = frequency_adjustment(prepared, compared.a, compared.levels, compared.swapped)
    assert crosswise < 0 < rare
