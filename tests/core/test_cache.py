"""The Redis cache backend against the local Redis: same behaviour, one client per pool."""

import uuid

import pytest
import redis

from galena.core.cache import GalenaRedisCache


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/13").ping()
    except redis.ConnectionError:
        pytest.skip("needs the local Redis at 127.0.0.1:6379")
    cache = GalenaRedisCache("redis://127.0.0.1:6379/13", {"KEY_PREFIX": uuid.uuid4().hex})
    yield cache
    cache.clear()


@pytest.mark.redis
def test_add_incr_get_delete_behave_as_django_documents(redis_cache):
    assert redis_cache.add("k", 1, timeout=30) is True
    assert redis_cache.add("k", 5, timeout=30) is False
    assert redis_cache.incr("k") == 2
    assert redis_cache.get("k") == 2
    redis_cache.delete("k")
    assert redis_cache.get("k") is None


@pytest.mark.redis
def test_one_client_serves_every_call(redis_cache):
    redis_cache.set("a", 1)
    first = redis_cache._cache.get_client(write=True)
    redis_cache.get("a")
    assert redis_cache._cache.get_client(write=True) is first
