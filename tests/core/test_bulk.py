"""Many-row writes: what insert_many and update_many store is what save() would."""

import pytest

from galena.core.bulk import FEW_ROWS, insert_many, update_many
from galena.intake.models import Submission


@pytest.mark.parametrize("count", [3, FEW_ROWS + 5])  # one INSERT; keys and COPY
def test_insert_many_sets_keys_and_stores_every_field(db, count):
    rows = [
        Submission(adapter="capture", channel="landing_page", payload={"n": n})
        for n in range(count)
    ]

    insert_many(Submission, rows)

    assert all(row.pk for row in rows)
    stored = Submission.objects.order_by("pk")
    assert [(s.pk, s.payload) for s in stored] == [(row.pk, {"n": n}) for n, row in enumerate(rows)]


def test_update_many_writes_each_rows_own_values(db):
    rows = insert_many(
        Submission, [Submission(adapter="capture", channel="landing_page") for _ in range(3)]
    )
    for n, row in enumerate(rows):
        row.status = ["processed", "failed", "processed"][n]
        row.decision = {"action": "create", "n": n}
        row.error = "boom" if n == 1 else ""
        row.attempts = n + 1

    assert update_many(Submission, rows, ["status", "decision", "error", "attempts"]) == 3

    stored = list(
        Submission.objects.order_by("pk").values("status", "decision", "error", "attempts")
    )
    assert stored == [
        {
            "status": "processed",
            "decision": {"action": "create", "n": 0},
            "error": "",
            "attempts": 1,
        },
        {
            "status": "failed",
            "decision": {"action": "create", "n": 1},
            "error": "boom",
            "attempts": 2,
        },
        {
            "status": "processed",
            "decision": {"action": "create", "n": 2},
            "error": "",
            "attempts": 3,
        },
    ]


def test_update_many_with_nothing_does_nothing(db):
    assert update_many(Submission, [], ["status"]) == 0
