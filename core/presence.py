"""Who has an incident room open right now: one registry shared by every server process.

Each open room socket is a viewer with an expiry, refreshed by the browser's heartbeat
and dropped when the socket closes; a viewer whose server died expires on its own. With
``REDIS_URL`` the registry is a Redis sorted set per incident (score: expiry time), so
every process sees every viewer; the embedded default keeps it in this one process.

Reads are bounded (``LIMIT`` viewers plus a count of the rest): a room of a thousand
costs each beat the same as a room of fifty.
"""

import json
import time
import weakref
from asyncio import AbstractEventLoop, get_running_loop

from django.conf import settings

EXPIRES_AFTER = 25.0  # seconds without a heartbeat (the browser beats every 10 s)
LIMIT = 50  # viewers listed; the rest are counted
POOL_SIZE, POOL_WAIT = 50, 20.0  # Redis connections per server process; seconds to wait for one


def _key(incident_id: int) -> str:
    return f"crisisdesk:presence:{incident_id}"


class MemoryRegistry:
    """One process's viewers (the embedded default runs one process)."""

    def __init__(self):
        self.rooms: dict[int, dict[str, tuple[float, dict]]] = {}

    async def join(self, incident_id: int, viewer: dict) -> None:
        self.rooms.setdefault(incident_id, {})[viewer["key"]] = (
            time.time() + EXPIRES_AFTER, viewer)

    beat = join

    async def leave(self, incident_id: int, viewer: dict) -> None:
        room = self.rooms.get(incident_id, {})
        room.pop(viewer["key"], None)
        if not room:
            self.rooms.pop(incident_id, None)

    async def viewers(self, incident_id: int) -> tuple[list[dict], int]:
        now = time.time()
        room = self.rooms.get(incident_id, {})
        for key in [k for k, (expires, _) in room.items() if expires < now]:
            del room[key]
        alive = [viewer for _, viewer in sorted(room.values(), key=lambda pair: -pair[0])]
        return alive[:LIMIT], max(0, len(alive) - LIMIT)


class RedisRegistry:
    """Viewers of every process, in Redis: ZADD on join and beat, ZREM on leave."""

    def __init__(self, url: str):
        self.url = url
        # redis.asyncio clients belong to the event loop that made them.
        self.clients: weakref.WeakKeyDictionary[AbstractEventLoop, object] = (
            weakref.WeakKeyDictionary())

    def client(self):
        import redis.asyncio

        loop = get_running_loop()
        if loop not in self.clients:
            # A crowd joining at once waits for a connection rather than failing: redis-py's
            # default pool refuses past 100 in use ("Too many connections"), which turned
            # away sockets of 200 viewers reconnecting together (tests/faults).
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self.url, max_connections=POOL_SIZE, timeout=POOL_WAIT)
            self.clients[loop] = redis.asyncio.Redis(connection_pool=pool)
        return self.clients[loop]

    async def join(self, incident_id: int, viewer: dict) -> None:
        key = _key(incident_id)
        async with self.client().pipeline(transaction=False) as pipe:
            pipe.zadd(key, {json.dumps(viewer, sort_keys=True): time.time() + EXPIRES_AFTER})
            pipe.expire(key, int(EXPIRES_AFTER * 2))
            await pipe.execute()

    beat = join

    async def leave(self, incident_id: int, viewer: dict) -> None:
        await self.client().zrem(_key(incident_id), json.dumps(viewer, sort_keys=True))

    async def viewers(self, incident_id: int) -> tuple[list[dict], int]:
        key, now = _key(incident_id), time.time()
        async with self.client().pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zrevrangebyscore(key, "+inf", now, start=0, num=LIMIT)
            pipe.zcard(key)
            _, members, total = await pipe.execute()
        return [json.loads(member) for member in members], max(0, total - len(members))


_registry = None


def registry():
    global _registry
    if _registry is None:
        redis_url = getattr(settings, "REDIS_URL", "")
        _registry = RedisRegistry(redis_url) if redis_url else MemoryRegistry()
    return _registry
