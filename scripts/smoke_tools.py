"""Helpers for scripts/smoke: an SMTP sink that keeps each message, and the checks a signed-in
client makes against the two running web processes.

    python scripts/smoke_tools.py sink --port 8125 --dir /tmp/mail
    python scripts/smoke_tools.py healthz http://127.0.0.1:8101
    python scripts/smoke_tools.py checks --web1 http://127.0.0.1:8101 \
        --web2 http://127.0.0.1:8102 --username u --password p --token t \
        --mail-to someone@example.test --mail-dir /tmp/mail --incident-file /tmp/incident

Each check prints one line with its timing; the first failure exits 1 with what was
expected and what came instead. Every wait is bounded.
"""

import argparse
import asyncio
import email
import email.policy
import http.client
import json
import signal
import sys
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

STEP_TIMEOUT = 60.0  # seconds: no step waits longer than this


class SmokeFailure(Exception):
    pass


# --- SMTP sink ----------------------------------------------------------------------------

class KeepEachMessage:
    """aiosmtpd handler: every message accepted is written to its own file in ``directory``
    (``<uuid>.eml``, renamed into place so a reader never sees half a message)."""

    def __init__(self, directory: Path):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        name = uuid.uuid4().hex
        partial = self.directory / f".{name}.part"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.directory / f"{name}.eml")
        return "250 Message accepted for delivery"


def run_sink(port: int, directory: Path) -> None:
    from aiosmtpd.controller import Controller

    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(KeepEachMessage(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"SMTP sink on 127.0.0.1:{port}, keeping messages in {directory}", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    controller.stop()


# --- HTTP ---------------------------------------------------------------------------------

class Client:
    """A minimal HTTP client for one server that keeps its own cookies. (The session and
    CSRF cookies are marked Secure when DEBUG=0; a browser would not send them over plain
    HTTP, but this loopback smoke test has no TLS in front.)"""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.base, self.host, self.port = base, parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=STEP_TIMEOUT)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def sign_in(self, username: str, password: str) -> None:
        status, _, _ = self.request("GET", "/accounts/login/")
        expect(status == 200, f"GET /accounts/login/ answered {status}, expected 200")
        expect("csrftoken" in self.cookies, "the login page set no csrftoken cookie")
        form = urlencode({"username": username, "password": password,
                          "csrfmiddlewaretoken": self.cookies["csrftoken"]}).encode()
        status, _, body = self.request(
            "POST", "/accounts/login/", body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        expect(status == 302 and "sessionid" in self.cookies,
               f"signing in as {username} answered {status} (expected 302 and a session "
               f"cookie): {body[:300]!r}")


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def step(title: str, function, *args):
    started = time.monotonic()
    print(f"==> {title} ...", flush=True)
    try:
        result = function(*args)
    except SmokeFailure as failure:
        problem = str(failure)
    except TimeoutError:
        problem = f"no answer within {STEP_TIMEOUT:.0f} s"
    except Exception as error:  # a refused connection, a refused handshake: say which
        problem = f"{type(error).__name__}: {error}"
    else:
        print(f"    ok ({time.monotonic() - started:.2f} s)", flush=True)
        return result
    print(f"FAILED: {title} ({time.monotonic() - started:.2f} s): {problem}", flush=True)
    sys.exit(1)


# --- Checks -------------------------------------------------------------------------------

async def incident_created_across_servers(args, session_cookie: str) -> int:
    import websockets

    ws_base = args.web2.replace("http://", "ws://")
    cookie = f"sessionid={session_cookie}"
    async with websockets.connect(f"{ws_base}/ws/incidents/", origin=args.web2,
                                  additional_headers={"Cookie": cookie},
                                  open_timeout=10) as socket:
        # The socket is subscribed once it is accepted; give the server a moment to join
        # the group before the change is made through the other server.
        await asyncio.sleep(0.5)
        title = f"Smoke test {uuid.uuid4().hex[:8]}: checkout returns 502"
        api = Client(args.web1)
        token = {"Authorization": f"Token {args.token}"}
        status, _, body = await asyncio.to_thread(api.request, "GET", "/api/incident-types/",
                                                  headers=token)
        expect(status == 200, f"GET /api/incident-types/ answered {status}: {body[:300]!r}")
        types = json.loads(body)
        types = types["results"] if isinstance(types, dict) else types
        expect(bool(types), "GET /api/incident-types/ lists no incident type")
        created_at = time.monotonic()
        status, _, body = await asyncio.to_thread(
            api.request, "POST", "/api/incidents/",
            body=json.dumps({"title": title, "type": types[0]["code"],
                             "severity": "high"}).encode(),
            headers={**token, "Content-Type": "application/json"})
        expect(status == 201, f"POST /api/incidents/ on web 1 answered {status}: {body[:300]!r}")
        incident = json.loads(body)["id"]
        deadline = created_at + 10
        while True:
            remaining = deadline - time.monotonic()
            expect(remaining > 0, f"no incident.created for incident {incident} on web 2's "
                                  "/ws/incidents/ within 10 s")
            try:
                frame = json.loads(await asyncio.wait_for(socket.recv(), remaining))
            except TimeoutError:
                continue
            if frame.get("type") == "incident.created" and frame.get("incident") == incident:
                print(f"    incident {incident} created on web 1, incident.created on web 2 "
                      f"after {(time.monotonic() - created_at) * 1000:.0f} ms", flush=True)
                return incident


def email_reaches_sink(args, incident: int) -> None:
    directory = Path(args.mail_dir)
    deadline = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < deadline:
        for path in sorted(directory.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            text = body.get_content() if body else ""
            if args.mail_to in message.get("To", "") and f"/incidents/{incident}/" in text:
                print(f"    {path.name}: to {message['To']}, subject {message['Subject']!r}",
                      flush=True)
                return
        time.sleep(0.25)
    found = [p.name for p in directory.glob("*.eml")]
    raise SmokeFailure(f"no email to {args.mail_to} linking incident {incident} reached the "
                       f"SMTP sink within {STEP_TIMEOUT:.0f} s (messages there: {found}); is "
                       "the worker running and the recipient owed an email?")


def summary_pdf(client: Client, incident: int) -> None:
    status, headers, body = client.request("GET", f"/incidents/{incident}/summary.pdf")
    expect(status == 200, f"GET /incidents/{incident}/summary.pdf answered {status}")
    expect(headers.get("content-type") == "application/pdf",
           f"content type {headers.get('content-type')!r}, expected 'application/pdf'")
    expect(body.startswith(b"%PDF"), f"the body starts with {body[:8]!r}, not %PDF")
    print(f"    {len(body):,} bytes", flush=True)


def healthz(base: str) -> None:
    """One look at ``base``/healthz: exit 0 when it answers 200 in production mode, else 1
    with what it answered (scripts/smoke asks again until its deadline)."""
    try:
        status, _, body = Client(base).request("GET", "/healthz")
        report = json.loads(body)
    except (OSError, ValueError) as error:
        print(f"{base}/healthz: {type(error).__name__}: {error}")
        sys.exit(1)
    if status != 200 or report.get("mode") != "production":
        print(f"{base}/healthz answered {status}, mode {report.get('mode')!r}: {report}")
        sys.exit(1)
    checks = ", ".join(f"{name} {check.get('detail')}" for name, check in
                       report.get("checks", {}).items())
    print(f"{base}/healthz: 200, mode production, {checks}")


def run_checks(args) -> None:
    browser = Client(args.web2)
    step(f"Sign in as {args.username} through web 2's login form", browser.sign_in,
         args.username, args.password)
    incident = step("Websocket on web 2 receives incident.created for an incident created "
                    "through the API on web 1",
                    lambda: asyncio.run(asyncio.wait_for(
                        incident_created_across_servers(args, browser.cookies["sessionid"]),
                        STEP_TIMEOUT)))
    step(f"The worker emails {args.mail_to} through the SMTP sink", email_reaches_sink, args,
         incident)
    on_web1 = Client(args.web1)
    on_web1.cookies = dict(browser.cookies)  # sessions are in PostgreSQL: valid on both
    step(f"The summary PDF of incident {incident} (signed in, web 1)", summary_pdf, on_web1,
         incident)
    Path(args.incident_file).write_text(f"{incident}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sink = commands.add_parser("sink")
    sink.add_argument("--port", type=int, required=True)
    sink.add_argument("--dir", type=Path, required=True)
    commands.add_parser("healthz").add_argument("base")
    checks = commands.add_parser("checks")
    for name in ("web1", "web2", "username", "password", "token", "mail-to", "mail-dir",
                 "incident-file"):
        checks.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    if args.command == "sink":
        run_sink(args.port, args.dir)
    elif args.command == "healthz":
        healthz(args.base)
    else:
        run_checks(args)


if __name__ == "__main__":
    main()
