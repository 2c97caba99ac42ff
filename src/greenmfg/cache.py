"""A shared cache for computed read models (dashboards), invalidated by committed changes.

Keys carry a per-enterprise *version*: every committed transaction that changes an enterprise's
results bumps it (after the commit, never before), so a reader can never store a stale answer
under the new version. With ``GREENMFG_REDIS_URL`` the cache is Redis, shared by every worker
process; without it nothing is cached.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy.orm import Session

__all__ = ["CHANGED_ENTERPRISES", "NullCache", "RedisCache", "ResultsCache", "make_cache", "mark_changed"]

#: ``session.info`` key: ids of enterprises whose results the transaction changed
CHANGED_ENTERPRISES = "greenmfg.changed_enterprises"


def mark_changed(session: Session, enterprise_id: int) -> None:
    """Record that this transaction changes an enterprise's results (bumped after commit)."""
    session.info.setdefault(CHANGED_ENTERPRISES, set()).add(enterprise_id)


class ResultsCache(Protocol):
    def version(self, enterprise_id: int) -> int: ...
    def bump(self, enterprise_ids: Iterable[int]) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...


class NullCache:
    """No caching (the zero-configuration default)."""

    def version(self, enterprise_id: int) -> int:
        return 0

    def bump(self, enterprise_ids: Iterable[int]) -> None:
        return None

    def get(self, key: str) -> bytes | None:
        return None

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        return None


class RedisCache:
    """Redis-backed cache; an unreachable Redis degrades to no caching, never to an error."""

    def __init__(self, url: str, *, prefix: str = "greenmfg:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._errors = (redis.RedisError, OSError)
        self.prefix = prefix

    def version(self, enterprise_id: int) -> int:
        try:
            raw = self._redis.get(f"{self.prefix}v:{enterprise_id}")
        except self._errors:
            return -1  # -1: do not cache
        return int(raw) if raw else 0

    def bump(self, enterprise_ids: Iterable[int]) -> None:
        # entries also expire (callers pass a TTL), so a bump lost to an outage heals by itself
        with contextlib.suppress(*self._errors), self._redis.pipeline() as pipe:
            for enterprise_id in enterprise_ids:
                pipe.incr(f"{self.prefix}v:{enterprise_id}")
            pipe.execute()

    def get(self, key: str) -> bytes | None:
        try:
            value = self._redis.get(self.prefix + key)
        except self._errors:
            return None
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        with contextlib.suppress(*self._errors):
            self._redis.set(self.prefix + key, value, ex=ttl_seconds)


def make_cache(url: str | None, *, prefix: str = "greenmfg:") -> ResultsCache:
    return RedisCache(url, prefix=prefix) if url else NullCache()
