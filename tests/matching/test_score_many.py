"""Scoring a batch's records against their candidates in one pass gives each record what
scoring it alone gives (pure, no database): pairs do not leak into each other, whatever
else is in the batch — a record with two phones, a candidate shared by two records, a
record with no candidate."""

from dataclasses import fields

from galena.matching.duplicates import score_against, score_many
from galena.matching.model import MatchModel
from galena.matching.records import Record, prepare

ANNA = Record(0, "Anna", "Popescu", emails=["anna.popescu@gmail.com"], city="Cluj-Napoca")
IVAN = Record(0, "Иван", "Петров", phones=["+79161234567", "+74951234567"], company="ООО Ромашка")
NOBODY = Record(0, "Pekka", "Virtanen", emails=["pekka@example.fi"])

SHARED = Record(12, "Anna", "Popa", phones=["+40722123456"], city="Cluj-Napoca")
CANDIDATES = [
    [
        Record(11, "Ana", "Popescu", emails=["anna.popescu@gmail.com"], city="Cluj"),
        SHARED,
    ],
    [
        Record(21, "Ivan", "Petrov", phones=["+79161234567"]),
        SHARED,  # a candidate of Anna's too
        Record(23, "Иван", "Петров", company="Ромашка", phones=["+74951234567"]),
    ],
    [],
]


def test_a_batch_scores_each_record_as_it_is_scored_alone():
    model = MatchModel.default()
    records = [ANNA, IVAN, NOBODY]

    together = score_many(records, CANDIDATES, model)

    alone = [score_against(r, found, model) for r, found in zip(records, CANDIDATES, strict=True)]
    assert together == alone
    assert [len(found) for found in together] == [2, 3, 0]
    # best first, and the same person found by the e-mail is explained
    best_id, best, explanation = together[0][0]
    assert best_id == 11 and best >= model.possible_threshold and explanation
    assert together[1][0][0] in (21, 23)


def test_each_pair_alone_scores_as_in_the_batch():
    model = MatchModel.default()
    together = score_many([IVAN], [CANDIDATES[1]], model)[0]
    one_by_one = sorted(
        (score_against(IVAN, [c], model)[0] for c in CANDIDATES[1]), key=lambda s: -s[1]
    )
    assert together == one_by_one


def test_no_records_no_scores():
    assert score_many([], [], MatchModel.default()) == []
    assert score_against(ANNA, [], MatchModel.default()) == []


def test_the_records_prepared_by_the_caller_score_the_same_and_stay_as_they_were():
    model = MatchModel.default()
    records = [ANNA, IVAN, NOBODY]
    prepared = prepare(records)
    before = {column.name: list(getattr(prepared, column.name)) for column in fields(prepared)}

    given = score_many(records, CANDIDATES, model, prepared=prepared)

    assert given == score_many(records, CANDIDATES, model)
    # the candidates were prepared beside the records, not appended to the caller's
    assert len(prepared) == 3
    assert {c.name: getattr(prepared, c.name) for c in fields(prepared)} == before
