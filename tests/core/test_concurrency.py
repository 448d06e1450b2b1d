import asyncio

from core.concurrency import ConcurrencyLimit


async def test_http_requests_beyond_the_limit_wait_their_turn_and_websockets_do_not():
    inside, most, release = 0, 0, asyncio.Event()

    async def application(scope, receive, send):
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        if scope["type"] == "http":
            await release.wait()
        inside -= 1
        return scope["n"]

    limited = ConcurrencyLimit(application, 2)
    requests = [asyncio.ensure_future(limited({"type": "http", "n": n}, None, None))
                for n in range(5)]
    await asyncio.sleep(0.01)
    assert (inside, most) == (2, 2)  # three wait outside
    assert await limited({"type": "websocket", "n": "ws"}, None, None) == "ws"  # not counted
    release.set()
    assert await asyncio.gather(*requests) == [0, 1, 2, 3, 4]  # each answered
    assert most == 3  # the two requests and the socket
