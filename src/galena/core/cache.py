"""Django's Redis cache, with one Redis client per connection pool.

Django's RedisCacheClient builds a new ``redis.Redis`` for every cache call, and each one
builds its table of ~170 response callbacks: about as much work as the call itself. The
public capture endpoint makes a few cache calls per request (rate limits, the worker
wake-up), so that cost showed in the intake benchmark. A ``redis.Redis`` is thread-safe and
its pool re-opens connections after a fork, so one per pool is enough.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class GalenaRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
