"""core.planner: planner settings for the statements inside a block, then the session's own."""

import pytest
from django.db import connection, transaction

from galena.core.planner import planner_settings


def show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_settings_hold_inside_the_block_and_are_put_back_after_it():
    assert show("enable_bitmapscan") == "on"
    with planner_settings(enable_bitmapscan="off", plan_cache_mode="force_custom_plan"):
        assert show("enable_bitmapscan") == "off"
        assert show("plan_cache_mode") == "force_custom_plan"
    assert show("enable_bitmapscan") == "on"
    assert show("plan_cache_mode") == "auto"


@pytest.mark.postgres
@pytest.mark.django_db
def test_put_back_when_the_block_fails():
    with pytest.raises(ZeroDivisionError), planner_settings(enable_bitmapscan="off"):
        raise ZeroDivisionError
    assert show("enable_bitmapscan") == "on"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_nothing_is_set():
    assert not connection.in_atomic_block
    with planner_settings(enable_bitmapscan="off"):
        assert show("enable_bitmapscan") == "on"  # SET LOCAL would not outlive its statement
    with transaction.atomic(), planner_settings(enable_bitmapscan="off"):
        assert show("enable_bitmapscan") == "off"


def test_only_the_settings_it_knows():
    with pytest.raises(ValueError, match="work_mem"), planner_settings(work_mem="1GB"):
        pass


@pytest.mark.django_db
def test_on_any_database_the_block_runs():
    ran = []
    with planner_settings(enable_bitmapscan="off"):
        ran.append(True)
    assert ran == [True]
