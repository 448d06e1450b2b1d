"""A live ASGI server for tests: Uvicorn, forked from the test process, as production runs
it (docs/deploy: uvloop, httptools, websockets' sans-I/O protocol, no permessage-deflate,
no lifespan). The browser journeys (tests/e2e) and the fault tests (tests/faults) serve
the app with it.

The fork inherits the imported app and the test settings; ``setup`` and
``get_application`` run in the child before it serves. Same surface as daphne's
``DaphneProcess``: ``port.value`` once ``ready`` is set, ``errors`` (exception,
traceback) when it could not start; SIGTERM (``terminate()``) shuts it down gracefully.
"""

import asyncio
import multiprocessing
import socket
import traceback

# As docs/deploy/Procfile's command line.
SERVER_OPTIONS = {
    "loop": "uvloop",
    "http": "httptools",
    "ws": "websockets-sansio",
    "ws_per_message_deflate": False,
    "lifespan": "off",
    "server_header": False,
    "access_log": False,
    "timeout_graceful_shutdown": 5,
    "log_config": None,  # the app's logging, as the test process configured it
}


class UvicornProcess(multiprocessing.Process):
    def __init__(self, host: str, get_application, *, setup=None, options: dict | None = None):
        super().__init__()
        self.host = host
        self.get_application = get_application
        self.setup = setup
        self.options = {**SERVER_OPTIONS, **(options or {})}
        self.port = multiprocessing.Value("i")
        self.ready = multiprocessing.Event()
        self.errors = multiprocessing.Queue()

    def run(self):
        try:
            import uvicorn

            ready = self.ready

            class Server(uvicorn.Server):
                async def startup(self, sockets=None):
                    await super().startup(sockets=sockets)
                    if self.started:
                        ready.set()

            # Forked from a thread that may be running an event loop (Playwright's).
            asyncio.events._set_running_loop(None)
            if self.setup is not None:
                self.setup()
            application = self.get_application()
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((socket.gethostbyname(self.host), 0))
            self.port.value = listener.getsockname()[1]
            Server(uvicorn.Config(application, **self.options)).run(sockets=[listener])
        except BaseException as error:  # reported to the parent
            self.errors.put((repr(error), traceback.format_exc()))
            raise
