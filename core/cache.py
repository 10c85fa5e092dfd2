"""A Redis cache that fails open. What the app keeps in the cache is either worth
recomputing (the ``/healthz`` result) or a soft limit (allauth's request-rate limits):
with Redis down or hung, each call answers as if the key were missing instead of raising,
so sign-in, pages and the API keep working. Account lockout does not depend on it: axes
counts failed sign-ins in PostgreSQL, so five wrong passwords still lock an account.

After one failure the process does not try Redis again for ``CACHE_RETRY_AFTER_SECONDS``,
so a hung Redis costs one request at most ``REDIS_SOCKET_TIMEOUT_SECONDS``, not every one."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
import structlog
from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

log = structlog.get_logger(__name__)


class _Breaker:
    down_until = 0.0

    @classmethod
    def call(cls, fn: Callable[[], Any], fallback: Any) -> Any:
        if time.monotonic() < cls.down_until:
            return fallback
        try:
            return fn()
        except (redis.RedisError, OSError) as exc:
            cls.down_until = time.monotonic() + settings.CACHE_RETRY_AFTER_SECONDS
            log.warning("cache_unavailable", error=f"{type(exc).__name__}: {exc}"[:300])
            return fallback


class FailOpenRedisCacheClient(RedisCacheClient):
    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        # True: a caller waiting on a cache lock (allauth's rate limiter) must not spin.
        return bool(_Breaker.call(lambda: super(FailOpenRedisCacheClient, self).add(key, value, timeout), True))

    def get(self, key: Any, default: Any) -> Any:
        return _Breaker.call(lambda: super(FailOpenRedisCacheClient, self).get(key, default), default)

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        _Breaker.call(lambda: super(FailOpenRedisCacheClient, self).set(key, value, timeout), None)

    def touch(self, key: Any, timeout: Any) -> bool:
        return bool(_Breaker.call(lambda: super(FailOpenRedisCacheClient, self).touch(key, timeout), False))

    def delete(self, key: Any) -> bool:
        return bool(_Breaker.call(lambda: super(FailOpenRedisCacheClient, self).delete(key), False))

    def get_many(self, keys: Any) -> dict[Any, Any]:
        return dict(_Breaker.call(lambda: super(FailOpenRedisCacheClient, self).get_many(keys), {}))

    def has_key(self, key: Any) -> bool:
        return bool(_Breaker.call(lambda: super(FailOpenRedisCacheClient, self).has_key(key), False))

    def incr(self, key: Any, delta: int) -> Any:
        return _Breaker.call(lambda: super(FailOpenRedisCacheClient, self).incr(key, delta), delta)

    def set_many(self, data: Any, timeout: Any) -> None:
        _Breaker.call(lambda: super(FailOpenRedisCacheClient, self).set_many(data, timeout), None)

    def delete_many(self, keys: Any) -> None:
        _Breaker.call(lambda: super(FailOpenRedisCacheClient, self).delete_many(keys), None)

    def clear(self) -> bool:
        return bool(_Breaker.call(lambda: super(FailOpenRedisCacheClient, self).clear(), False))


class FailOpenRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient
