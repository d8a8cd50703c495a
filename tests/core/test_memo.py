"""core.memo: configuration kept in a process until an edit anywhere changes the generation."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from galena.core.memo import GENERATION_KEY, Memo, config_changed, fresh, generation, marked


@pytest.fixture
def checked_every_time(settings, monkeypatch):
    settings.CONFIG_CHECK_SECONDS = 0
    # the process's generation as it was is put back after the test: a test's fake clock
    # (below) marks its last check at a time the real clock may not reach for minutes, and
    # no test after it would ask the cache again
    monkeypatch.setattr(generation, "_checked", float("-inf"))
    monkeypatch.setattr(generation, "_token", None)
    cache.delete(GENERATION_KEY)
    yield
    cache.delete(GENERATION_KEY)


def _loader():
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    return load, loads


def test_a_value_is_kept_while_the_configuration_is_unchanged(checked_every_time):
    memo = Memo()
    load, loads = _loader()

    values = [memo.get("rules", load, seconds=300) for _ in range(5)]

    assert values == [1, 1, 1, 1, 1] and len(loads) == 1


def test_an_edit_in_another_process_is_seen_at_the_next_check(checked_every_time):
    memo = Memo()
    load, loads = _loader()
    assert memo.get("rules", load, seconds=300) == 1

    cache.set(GENERATION_KEY, "another process saved a rule")  # what its config_changed does

    assert memo.get("rules", load, seconds=300) == 2
    assert memo.get("rules", load, seconds=300) == 2  # and kept again
    assert len(loads) == 2


def test_get_many_forgets_too_when_the_generation_changes(checked_every_time):
    memo = Memo()
    calls = []

    def load_many(keys):
        calls.append(list(keys))
        return {key: f"{key} v{len(calls)}" for key in keys}

    assert memo.get_many(["a", "b"], load_many, seconds=300) == {"a": "a v1", "b": "b v1"}
    assert memo.get_many(["a"], load_many, seconds=300) == {"a": "a v1"}
    config_changed()

    assert memo.get_many(["a"], load_many, seconds=300) == {"a": "a v2"}
    assert calls == [["a", "b"], ["a"]]


def test_forget_changes_the_shared_generation_for_the_other_processes(checked_every_time):
    memo = Memo()
    load, _loads = _loader()
    memo.get("people", load, seconds=300)
    before = cache.get(GENERATION_KEY)

    memo.forget(sender=None)

    assert cache.get(GENERATION_KEY) not in (None, before)
    assert memo.get("people", load, seconds=300) == 2


def test_the_shared_generation_is_read_at_most_every_check_interval(settings):
    settings.CONFIG_CHECK_SECONDS = 3600
    config_changed()  # this process knows its own change at once
    mine = generation.current()
    memo = Memo()
    load, _loads = _loader()
    memo.get("rules", load, seconds=300)

    cache.set(GENERATION_KEY, "another process, a moment ago")

    assert generation.current() == mine  # not asked again within the interval
    assert memo.get("rules", load, seconds=300) == 1
    cache.delete(GENERATION_KEY)


def test_the_time_limit_still_bounds_a_kept_value(checked_every_time, monkeypatch):
    import galena.core.memo as memo_module

    clock = [1000.0]
    monkeypatch.setattr(memo_module.time, "monotonic", lambda: clock[0])
    memo = Memo()
    load, _loads = _loader()
    memo.get("rules", load, seconds=300)
    clock[0] += 299
    assert memo.get("rules", load, seconds=300) == 1
    clock[0] += 2

    assert memo.get("rules", load, seconds=300) == 2  # no signal told of it: time did


def test_no_keeping_reads_every_time_without_asking_the_cache(settings, monkeypatch):
    settings.CONFIG_CHECK_SECONDS = 0
    monkeypatch.setattr(generation, "current", lambda: pytest.fail("asked the cache"))
    memo = Memo()
    load, _loads = _loader()

    assert [memo.get("rules", load, seconds=0) for _ in range(3)] == [1, 2, 3]


def test_a_loaders_mark_is_fresh_until_the_generation_changes(checked_every_time):
    loaded = {**marked(), "config": "rules v1"}
    assert fresh(loaded, 300)

    cache.set(GENERATION_KEY, "changed elsewhere")

    assert not fresh(loaded, 300)
    assert not fresh({**marked()}, 0)  # 0 seconds: never kept


def test_a_value_read_while_it_was_forgotten_is_not_kept(checked_every_time):
    memo = Memo()
    versions = iter(["old rules", "new rules"])

    def load():
        value = next(versions)
        if value == "old rules":
            memo.forget()  # saved in another thread while this read was under way
        return value

    assert memo.get("rules", load, seconds=300) == "old rules"  # this caller's answer
    assert memo.get("rules", load, seconds=300) == "new rules"  # but it was not kept


class _DownCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("cache unreachable")

    set = get


def test_with_the_cache_down_nothing_kept_is_trusted_and_edits_still_save(
    checked_every_time, monkeypatch
):
    import galena.core.memo as memo_module

    monkeypatch.setattr(memo_module, "cache", _DownCache())
    memo = Memo()
    load, loads = _loader()

    assert [memo.get("rules", load, seconds=300) for _ in range(3)] == [1, 2, 3]
    config_changed()  # does not raise: the save it follows stands
    assert len(loads) == 3


@pytest.mark.django_db
def test_an_edit_reaches_the_other_processes_when_its_transaction_commits(
    checked_every_time, django_capture_on_commit_callbacks
):
    memo = Memo()
    load, loads = _loader()
    memo.get("rules", load, seconds=300)
    before = cache.get(GENERATION_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        memo.forget()
        # not yet: another process reading now would see the rows before the edit
        assert cache.get(GENERATION_KEY) == before
        assert memo.get("rules", load, seconds=300) == 2  # this process forgot at once

    assert cache.get(GENERATION_KEY) not in (None, before)
    assert memo.get("rules", load, seconds=300) == 3  # read again after the commit
    assert len(loads) == 3
