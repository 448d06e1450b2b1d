"""At most so many HTTP requests of a server process inside Django at once; the rest wait
their turn on the event loop.

Under ASGI, Django runs each request's synchronous code in a thread of its own, and each
such thread opens a database connection of its own. Nothing bounded them: when requests
arrived faster than a busy process finished them, every one in flight held a thread and a
PostgreSQL connection, and 200 members working on two web processes took 67 connections
until sign-ins and pages failed with "remaining connection slots are reserved"
(``python -m bench load``, bench/README.md). A waiting request holds neither; since the
threads share one interpreter lock, more of them at once would not have answered sooner.
Websockets are not counted (their database work goes through one thread per process:
``core.consumers.database_sync_to_async``).
"""

import asyncio


class ConcurrencyLimit:
    """ASGI middleware: ``limit`` HTTP requests at a time (0: no limit), in arrival order."""

    def __init__(self, application, limit: int):
        self.application = application
        self.limit = limit
        self.semaphore: asyncio.Semaphore | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.limit <= 0:
            return await self.application(scope, receive, send)
        loop = asyncio.get_running_loop()
        if self.loop is not loop:  # a semaphore belongs to one loop (tests run several)
            self.semaphore, self.loop = asyncio.Semaphore(self.limit), loop
        async with self.semaphore:
            return await self.application(scope, receive, send)
