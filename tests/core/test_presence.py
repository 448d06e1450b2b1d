from core.consumers import PresenceMixin


class ClientDisconnected(OSError):
    """What Uvicorn raises on a send to a socket the client has closed."""


class ClosedSocket(PresenceMixin):
    viewer = {"key": "mine"}
    presence_flush = None
    presence_sent_at = 0.0

    async def send_json(self, content):
        raise ClientDisconnected


async def test_a_presence_batch_for_a_socket_closed_meanwhile_is_dropped_quietly():
    socket = ClosedSocket()
    socket.presence_pending = {"theirs": (False, {"key": "theirs"})}
    await socket.send_presence_changes(0)  # the batch's task: nothing to raise into
    assert socket.presence_pending == {} and socket.presence_flush is None
