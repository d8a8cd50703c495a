"""``field__in`` as one array parameter on PostgreSQL (core.lookups): the same rows as
Django's IN list, one statement text whatever the number of values."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from galena.core.lookups import sql_in
from galena.leads.models import ContactPoint, Lead
from tests.factories import ContactPointFactory, LeadFactory, SourceFactory

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def leads(db):
    return [LeadFactory(first_name=name) for name in ("Ana", "Bogdan", "Chiril", "Dana")]


def _sql(queryset) -> str:
    with CaptureQueriesContext(connection) as queries:
        list(queryset.all())  # a fresh copy: the query runs again
    return queries[-1]["sql"]


def test_in_finds_the_same_rows_with_one_statement_text_whatever_the_count(leads):
    ana, bogdan, chiril, _ = leads
    two = Lead.objects.filter(pk__in=[ana.pk, chiril.pk]).order_by("pk")
    three = Lead.objects.filter(pk__in=[ana.pk, bogdan.pk, chiril.pk, None]).order_by("pk")

    assert list(two) == [ana, chiril]
    assert list(three) == [ana, bogdan, chiril]  # None is never equal to anything
    if POSTGRES:
        assert '"leads_lead"."id" = ANY(' in _sql(two)
        assert _sql(two).split("ANY(")[0] == _sql(three).split("ANY(")[0]


def test_in_on_text_dates_and_relations(leads):
    ana, bogdan, chiril, dana = leads
    source = SourceFactory(name="Expo")
    Lead.objects.filter(pk=dana.pk).update(source=source)
    ContactPointFactory(lead=bogdan, kind="email", value="b@example.com")
    day = ana.created_at.date()

    assert set(Lead.objects.filter(first_name__in=["Ana", "Dana", "Zoe"])) == {ana, dana}
    assert Lead.objects.filter(created_at__date__in=[day, day + dt.timedelta(days=3)]).count() == 4
    assert list(Lead.objects.filter(source__in=[source])) == [dana]  # model instances
    theirs = ContactPoint.objects.filter(Q(lead=bogdan) | Q(lead=chiril))
    assert theirs.filter(value="b@example.com").exists()
    assert set(ContactPoint.objects.filter(lead__in=[bogdan, chiril.pk])) == set(theirs)


def test_no_values_match_nothing_without_a_query(leads):
    with CaptureQueriesContext(connection) as queries:
        assert list(Lead.objects.filter(pk__in=[])) == []
        assert list(Lead.objects.filter(pk__in=[None])) == []
    assert len(queries) == 0


def test_a_subquery_or_an_expression_keeps_in(leads):
    ana = leads[0]
    inner = Lead.objects.filter(first_name="Ana").values("pk")

    assert list(Lead.objects.filter(pk__in=inner)) == [ana]
    assert " IN (SELECT" in _sql(Lead.objects.filter(pk__in=inner))


def test_sql_in_for_sql_written_by_hand(leads):
    ids = [lead.pk for lead in leads[:2]]
    for values, expected in ((ids, set(ids)), ([], set())):
        condition, params = sql_in("id", values)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM leads_lead WHERE {condition}", params)
            assert {row[0] for row in cursor.fetchall()} == expected
    if POSTGRES:
        assert sql_in("id", ids) == ("id = ANY(%s)", [ids])
    else:
        assert sql_in("id", ids) == ("id IN (%s, %s)", ids)
