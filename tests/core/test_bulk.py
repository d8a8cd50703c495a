"""Many-row writes: what insert_many and update_many store is what save() would."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from galena.core.bulk import (
    FEW_ROWS,
    BinaryArray,
    insert_many,
    insert_soon,
    update_many,
    update_many_together,
    update_soon,
    updates_deferred,
)
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


def test_rows_nothing_reads_back_by_key_are_stored_without_asking_for_keys(db):
    """keys=False: the table gives the keys; the sequence is not asked first (PostgreSQL)."""
    rows = [
        Submission(adapter="capture", channel="landing_page", payload={"n": n})
        for n in range(FEW_ROWS + 5)
    ]

    with CaptureQueriesContext(connection) as queries:
        insert_many(Submission, rows, keys=False)

    stored = list(Submission.objects.order_by("pk").values_list("pk", "payload"))
    assert [payload for _pk, payload in stored] == [{"n": n} for n in range(FEW_ROWS + 5)]
    assert len({pk for pk, _payload in stored}) == FEW_ROWS + 5
    if connection.vendor == "postgresql":
        assert not any("nextval" in q["sql"] for q in queries.captured_queries)
        assert all(row.pk is None for row in rows)
        # the sequence moved past them: the next row gets a key of its own
        after = Submission.objects.create(adapter="capture", channel="landing_page")
        assert after.pk > max(pk for pk, _payload in stored)


def _stored(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def test_a_few_rows_are_stored_as_save_stores_them_in_one_statement(db):
    # relations given as instances, JSON, times, a timestamp set on insert; no key given
    from galena.leads.models import LeadEvent
    from tests.factories import LeadFactory, UserFactory

    lead, actor = LeadFactory(), UserFactory()
    occurred = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)

    def event(n):
        return LeadEvent(
            lead=lead,
            type="note",
            occurred_at=occurred,
            actor=actor if n else None,
            actor_source="user",
            params={"n": n, "text": "Ünïcode 'quoted' \"both\"", "none": None},
        )

    saved = event(0)
    saved.save()
    rows = [event(0), event(1)]
    with CaptureQueriesContext(connection) as queries:
        insert_many(LeadEvent, rows)

    assert len(queries.captured_queries) == 1
    assert all(row.pk and not row._state.adding for row in rows)
    expected = _stored(LeadEvent, saved.pk)
    assert _stored(LeadEvent, rows[0].pk) == {**expected, "id": rows[0].pk}
    assert _stored(LeadEvent, rows[1].pk) == {
        **expected,
        "id": rows[1].pk,
        "actor_id": actor.pk,
        "params": {**expected["params"], "n": 1},
    }


def test_a_few_rows_get_their_creation_and_change_times(db):
    from galena.accounts.models import Team

    before = timezone.now()
    (team,) = insert_many(Team, [Team(name="East")])

    stored = _stored(Team, team.pk)
    assert before <= stored["created_at"] <= timezone.now()
    assert before <= stored["updated_at"] <= timezone.now()
    assert stored["name"] == "East"


def test_a_few_rows_with_their_keys_given_are_stored_too(db):
    from galena.scoring.models import LeadScore
    from tests.factories import LeadFactory

    leads = LeadFactory.create_batch(2)
    insert_many(LeadScore, [LeadScore(lead=lead, fit_points=n) for n, lead in enumerate(leads)])

    assert dict(LeadScore.objects.values_list("lead_id", "fit_points")) == {
        leads[0].pk: 0,
        leads[1].pk: 1,
    }


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


AWKWARD_TEXTS = ['a "quoted", {braced} \\ text', "NULL", "", "line\nbreak\ttab", "Ștefan Ионов"]


def test_update_many_stores_text_json_addresses_and_times_exactly(db):
    rows = insert_many(Submission, [Submission(adapter="capture") for _ in AWKWARD_TEXTS])
    when = timezone.now().replace(microsecond=123456)
    for n, (row, text) in enumerate(zip(rows, AWKWARD_TEXTS, strict=True)):
        row.error = text
        row.decision = {"reason": text, "list": [text, None, n]} if n % 2 else {}
        row.remote_addr = "2001:db8::1" if n % 2 else ("198.51.100.7" if n else None)
        row.processed_at = when if n != 2 else None

    update_many(Submission, rows, ["error", "decision", "remote_addr", "processed_at"])

    stored = list(
        Submission.objects.order_by("pk").values_list(
            "error", "decision", "remote_addr", "processed_at"
        )
    )
    assert stored == [(row.error, row.decision, row.remote_addr, row.processed_at) for row in rows]


@pytest.mark.postgres
def test_many_values_go_to_postgresql_as_binary_arrays(db):
    from psycopg.adapt import PyFormat
    from psycopg.types.array import ListBinaryDumper

    rows = insert_many(Submission, [Submission(adapter="capture") for _ in range(3)])
    connection.ensure_connection()
    dumper = connection.connection.adapters.get_dumper(BinaryArray, PyFormat.AUTO)

    sent = []

    def keep(execute, sql, params, many, context):
        sent.append([type(p) for p in params])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        update_many(Submission, rows, ["attempts"])
        found = list(Submission.objects.filter(pk__in_array=[r.pk for r in rows]))
        also = list(Submission.objects.filter(pk__in=[r.pk for r in rows]))

    assert issubclass(dumper, ListBinaryDumper)
    assert sent == [[BinaryArray, BinaryArray], [BinaryArray], [BinaryArray]]
    assert len(found) == len(also) == 3


@pytest.mark.postgres
def test_without_prepared_statements_the_arrays_go_in_the_statements_text(db, monkeypatch):
    from psycopg import ClientCursor

    rows = insert_many(Submission, [Submission(adapter="capture") for _ in AWKWARD_TEXTS])
    for row, text in zip(rows, AWKWARD_TEXTS, strict=True):
        row.error, row.decision = text, {"reason": text}
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "cursor_factory", ClientCursor)

    update_many(Submission, rows, ["error", "decision"])
    found = Submission.objects.filter(pk__in_array=[r.pk for r in rows]).order_by("pk")

    assert [(f.error, f.decision) for f in found] == [(r.error, r.decision) for r in rows]


def test_update_many_with_nothing_does_nothing(db):
    assert update_many(Submission, [], ["status"]) == 0


# --- updates held back and made together (update_soon in updates_deferred) ---------------


def _submissions(count):
    return insert_many(
        Submission, [Submission(adapter="capture", channel="landing_page") for _ in range(count)]
    )


def _updates(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("UPDATE")]


def test_updates_deferred_write_each_row_once_with_every_field_set_inside(db):
    rows = _submissions(3)
    with CaptureQueriesContext(connection) as queries, updates_deferred():
        for row in rows:
            row.status = "processed"
        update_soon(Submission, rows, ["status"])
        assert set(Submission.objects.values_list("status", flat=True)) == {"received"}
        rows[1].error = "boom"
        update_soon(Submission, rows[1:2], ["error"])
        rows[0].attempts = 4  # set after its write was asked for: the end writes it
        update_soon(Submission, rows[:1], ["attempts"])

    stored = list(Submission.objects.order_by("pk").values_list("status", "error", "attempts"))
    assert stored == [("processed", "", 4), ("processed", "boom", 0), ("processed", "", 0)]
    # one UPDATE per set of fields: (status, attempts), (status, error), (status)
    assert len(_updates(queries)) <= 3


def test_nothing_deferred_is_written_when_the_block_fails(db):
    rows = _submissions(2)
    for row in rows:
        row.status = "failed"

    with pytest.raises(RuntimeError), updates_deferred():
        update_soon(Submission, rows, ["status"])
        raise RuntimeError("a later step failed")

    assert set(Submission.objects.values_list("status", flat=True)) == {"received"}


def test_outside_a_deferring_block_update_soon_writes_at_once_and_inner_blocks_wait(db):
    rows = _submissions(2)
    rows[0].status = "processed"
    update_soon(Submission, rows[:1], ["status"])
    assert Submission.objects.get(pk=rows[0].pk).status == "processed"

    with updates_deferred():
        with updates_deferred():
            rows[1].status = "failed"
            update_soon(Submission, rows[1:], ["status"])
        assert Submission.objects.get(pk=rows[1].pk).status == "received"  # the outer writes
    assert Submission.objects.get(pk=rows[1].pk).status == "failed"


def test_updates_of_several_tables_together_write_each_rows_own_values(db):
    from galena.accounts.models import Team

    submissions = _submissions(2)
    teams = insert_many(Team, [Team(name="East"), Team(name="West")])
    for n, row in enumerate(submissions):
        row.status, row.attempts = ["processed", "failed"][n], n + 5
    teams[1].name = "South"

    with CaptureQueriesContext(connection) as queries:
        update_many_together(
            (Submission, submissions, ["status", "attempts"]),
            (Team, teams[1:], ["name"]),
            (Team, [], ["name"]),  # nothing to write: left out
        )

    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    assert list(Submission.objects.order_by("pk").values_list("status", "attempts")) == [
        ("processed", 5),
        ("failed", 6),
    ]
    assert list(Team.objects.order_by("pk").values_list("name", flat=True)) == ["East", "South"]


def test_a_few_rows_with_a_lazy_translation_in_a_text_field_store_its_text(db):
    from django.utils.translation import gettext_lazy

    from galena.accounts.models import Team

    (team,) = insert_many(Team, [Team(name=gettext_lazy("Sales"))])

    assert Team.objects.get(pk=team.pk).name == "Sales"


def test_inserts_held_in_a_deferring_block_go_with_its_updates(db):
    from galena.accounts.models import Team

    rows = _submissions(2)
    with CaptureQueriesContext(connection) as queries:
        with updates_deferred():
            for row in rows:
                row.status = "processed"
            update_soon(Submission, rows, ["status"])
            teams = [Team(name="East"), Team(name="West")]
            insert_soon(Team, teams)
            assert not Team.objects.exists()  # held back until the block ends
            assert [team.pk for team in teams] == [None, None]
        written = len(queries.captured_queries) - 1  # the check above read once

    assert written == (1 if connection.vendor == "postgresql" else 2)
    # the held rows got their keys when the block ended, each its own
    assert dict(Team.objects.values_list("pk", "name")) == {
        teams[0].pk: "East",
        teams[1].pk: "West",
    }
    assert set(Submission.objects.values_list("status", flat=True)) == {"processed"}


def test_outside_a_deferring_block_insert_soon_inserts_at_once(db):
    from galena.accounts.models import Team

    (team,) = [Team(name="North")]
    insert_soon(Team, [team])

    assert team.pk and Team.objects.get(pk=team.pk).name == "North"


def test_held_inserts_of_several_tables_get_their_own_keys_in_one_statement(db):
    from galena.accounts.models import Team
    from galena.leads.models import Source

    rows = _submissions(1)
    teams = [Team(name=f"Team {n}") for n in range(5)]
    sources = [Source(name=f"Source {n}") for n in range(3)]
    with CaptureQueriesContext(connection) as queries, updates_deferred():
        rows[0].status = "processed"
        update_soon(Submission, rows, ["status"])
        insert_soon(Team, teams[:3])
        insert_soon(Source, sources)
        insert_soon(Team, teams[3:])

    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 4)
    assert dict(Team.objects.values_list("pk", "name")) == {t.pk: t.name for t in teams}
    assert dict(Source.objects.values_list("pk", "name")) == {s.pk: s.name for s in sources}
    assert all(not obj._state.adding for obj in [*teams, *sources])
