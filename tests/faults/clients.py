"""What a browser's room page does with its socket (static/js/live.js), in Python.

``RoomClient`` keeps a socket on ``/ws/incidents/<id>/`` open as live.js does: on every
(re)connect it sends ``{"type": "resync", "after": <last seq>}``; it applies events in
``seq`` order exactly once, holding back a frame that arrives after a gap until the
replay fills it; when the socket closes (any code but 4403) it connects again after a
back-off that doubles from 0.5 s (jittered), to the next server in its list, as a load balancer
sends a browser to a server that is up. Every applied ``seq`` is recorded, so a test can
ask whether a client ended up with every event, once and in order.
"""

import asyncio
import contextlib
import json
import random

import websockets
from websockets.asyncio.client import connect

CLOSE_NOT_ALLOWED = 4403


class RoomClient:
    def __init__(self, servers: list[str], incident_id: int, cookie: str, *, after: int = 0,
                 max_delay: float = 4.0):
        self.servers = list(servers)  # ws://host:port of each server, tried in turn
        self.current = 0
        self.path = f"/ws/incidents/{incident_id}/"
        self.cookie = cookie
        self.last_seq = after
        self.applied: list[int] = []  # seqs raised to the page, in order
        self.held_back: list[dict] = []
        self.syncing = False
        self.synced = asyncio.Event()  # a resync finished since the last (re)connect
        self.opened = 0  # sockets opened
        self.closes: list[int | None] = []  # close codes of sockets that ended
        self.refused = 0  # handshakes refused (server down or not answering)
        self.errors: list[str] = []  # why handshakes failed
        self.reloads = 0  # resync.reload: too much missed, panels redrawn instead
        self.max_delay = max_delay  # live.js: 15 s; shorter here to keep tests short
        self.socket = None
        self.connected_to: str | None = None  # the server the socket is open on
        self.task: asyncio.Task | None = None
        self.stopping = False

    # --- as live.js ------------------------------------------------------------------------
    def apply(self, frame: dict) -> bool:
        if frame["seq"] <= self.last_seq:
            return True  # seen already (replayed and live at once)
        if frame["seq"] != self.last_seq + 1:
            return False
        self.last_seq = frame["seq"]
        self.applied.append(frame["seq"])
        return True

    async def resync(self):
        self.syncing = True
        await self.socket.send(json.dumps({"type": "resync", "after": self.last_seq}))

    async def drain_held_back(self):
        waiting = sorted(self.held_back, key=lambda frame: frame["seq"])
        self.held_back = []
        for index, frame in enumerate(waiting):
            if not self.apply(frame):
                self.held_back = waiting[index:]
                await self.resync()
                return

    async def receive(self, frame: dict):
        if not isinstance(frame.get("seq"), int) or frame["type"] in (
                "resync.done", "resync.reload"):
            if frame["type"] in ("resync.done", "resync.reload"):
                if frame["type"] == "resync.reload":
                    self.reloads += 1
                    self.last_seq = max(self.last_seq, frame["seq"])
                    self.held_back = [f for f in self.held_back if f["seq"] > self.last_seq]
                self.syncing = False
                self.synced.set()
                await self.drain_held_back()
            return  # presence and other unnumbered frames
        if self.syncing and frame["seq"] > self.last_seq + 1:
            self.held_back.append(frame)
            return
        if not self.apply(frame):
            self.held_back.append(frame)
            if not self.syncing:
                await self.resync()

    async def run(self):
        delay = 0.5
        while not self.stopping:
            url = self.servers[self.current] + self.path
            try:
                async with connect(url, origin=self.servers[self.current].replace("ws", "http", 1),
                                   additional_headers={"Cookie": f"sessionid={self.cookie}"},
                                   open_timeout=60, ping_interval=None) as socket:
                    self.socket, self.opened, delay = socket, self.opened + 1, 0.5
                    self.connected_to = self.servers[self.current]
                    self.synced.clear()
                    await self.resync()
                    async for message in socket:
                        await self.receive(json.loads(message))
                    code = socket.close_code
            except (OSError, TimeoutError, websockets.InvalidHandshake) as error:
                self.refused += 1
                self.errors.append(repr(error)[:200])
                code = None
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
            finally:
                self.socket, self.syncing, self.connected_to = None, False, None
            if self.stopping:
                return
            self.closes.append(code)
            if code == CLOSE_NOT_ALLOWED:
                return
            self.current = (self.current + 1) % len(self.servers)
            await asyncio.sleep(delay * (0.5 + random.random()))  # jittered, as live.js
            delay = min(delay * 2, self.max_delay)

    def start(self) -> "RoomClient":
        self.task = asyncio.ensure_future(self.run())
        return self

    async def stop(self):
        self.stopping = True
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


async def eventually(condition, timeout: float, what: str, *, interval: float = 0.05):
    """Wait (without blocking the loop) until ``condition()``; AssertionError naming
    ``what`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(interval)
