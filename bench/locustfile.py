"""Locust users for ``python -m bench load``: crisis-team members working a live crisis.

Run by bench/load.py (``python -m locust -f bench/locustfile.py --headless …``), never on
its own: its configuration is the JSON file named by ``LOAD_CONFIG`` (the accounts, which
incidents each one is on, the two server addresses, the think time, where to write the
samples). Each simulated member signs in through the login form (a session, as a browser
does), then, between pauses, browses the incident list (the page and ``/api/incidents/``),
opens rooms (the main crisis mostly: the page, then the panels it asks for once loaded,
the checklist among them), opens a task (its forms, fetched as the room does),
and, if their role lets them write, posts notes through the room's composer and completes
tasks through the task's Done button — htmx requests with the CSRF header, as the room's
forms send them. Half the members use one server process, half the other.

Cookies are kept by hand: with DEBUG=0 the session and CSRF cookies are Secure, which a
client keeps off plain HTTP; production has TLS in front (nginx), this loopback run has not
(scripts/smoke_tools.py does the same).

Every request's time is recorded exactly (Locust's own table rounds above 100 ms) and
written with the errors to ``samples`` when Locust stops.
"""

import itertools
import json
import os
import random
import re
import time
from http.cookies import SimpleCookie

from locust import FastHttpUser, between, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"]).read())  # noqa: SIM115
ACCOUNTS = itertools.count()
SIGNED_IN: set[str] = set()
TASK_DONE = re.compile(r'action="/incidents/tasks/(\d+)/status/"[^>]*>\s*'
                       r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">'
                       r'<input type="hidden" name="status" value="done">')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
NOTES = ["Video reposted by a large account; views climbing.",
         "QA confirms the batch number is genuine.",
         "Journalist from a national daily asked for comment.",
         "Customer-care volume up threefold since the morning.",
         "Regulator acknowledged our notice.", "Sentiment turning neutral.",
         "Holding statement approved by legal; waiting for the spokesperson.",
         "Influencer deleted the original post."]
LIST_QUERIES = [{}, {}, {}, {"status": "active"}, {"severity": "critical"}, {"q": "recall"}]

samples: list[tuple[str, float, float, str]] = []  # (name, start time, ms, error)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    samples.append((name, time.time() - response_time / 1000, response_time,
                    "" if exception is None else f"{type(exception).__name__}: {exception}"
                    [:300]))


@events.quitting.add_listener
def _write(environment, **kwargs):
    with open(CONFIG["samples"], "w") as out:
        json.dump(samples, out)


class Member(FastHttpUser):
    """One member of the crisis team, signed in with their own account."""

    wait_time = between(CONFIG["wait_min"], CONFIG["wait_max"])
    host = CONFIG["hosts"][0]  # replaced per member below
    insecure = True
    connection_timeout = 60.0
    network_timeout = 120.0

    def __init__(self, environment):
        index = next(ACCOUNTS)
        self.account = CONFIG["accounts"][index % len(CONFIG["accounts"])]
        self.host = CONFIG["hosts"][index % len(CONFIG["hosts"])]
        super().__init__(environment)
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.room = CONFIG["main_room"]
        self.open_tasks: list[int] = []
        self.tasks_seen: list[int] = []
        self.signed_in = False

    # --- plumbing -----------------------------------------------------------------------

    def _headers(self, extra: dict | None = None) -> dict:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        return {**headers, **(extra or {})}

    def _keep_cookies(self, response) -> None:
        for header in response.headers.getlist("set-cookie") if response.headers else []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value

    def _request(self, method: str, path: str, name: str, *, expect: int = 200,
                 htmx_target: str = "", data: dict | None = None, params=None):
        extra = {}
        if htmx_target:
            extra = {"HX-Request": "true", "HX-Target": htmx_target,
                     "HX-Current-URL": f"{self.host}/incidents/{self.room}/"}
        if method == "POST":
            extra["X-CSRFToken"] = self.csrf or self.cookies.get("csrftoken", "")
        with self.client.request(method, path, name=name, data=data, params=params,
                                 headers=self._headers(extra), allow_redirects=False,
                                 catch_response=True) as response:
            self._keep_cookies(response)
            if response.status_code != expect:
                response.failure(f"{response.status_code} (expected {expect}): "
                                 f"{(response.text or '')[:200]!r}")
                location = (response.headers or {}).get("location") or ""
                if response.status_code == 401 or "/accounts/login/" in location:
                    self.signed_in = False  # the session is gone: sign in again
            return response

    # --- the member's day ---------------------------------------------------------------

    def on_start(self) -> None:
        self.sign_in()

    def sign_in(self) -> None:
        """Sign in through the login form; a refusal (an error) is tried again, as a person
        would, before anything else."""
        self.cookies.clear()
        self._request("GET", "/accounts/login/", "sign in: login page")
        form = {"username": self.account["username"], "password": CONFIG["password"],
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
                "next": "/incidents/"}
        response = self._request("POST", "/accounts/login/", "sign in: POST", expect=302,
                                 data=form)
        self.signed_in = response.status_code == 302
        if self.signed_in and self.account["username"] not in SIGNED_IN:
            SIGNED_IN.add(self.account["username"])
            if len(SIGNED_IN) == min(CONFIG["users"], len(CONFIG["accounts"])):
                with open(CONFIG["all_signed_in"], "w") as marker:  # bench/load.py waits
                    marker.write(str(time.time()))

    def run_task(self) -> bool:
        """False (and signing in again instead) while the member is not signed in."""
        if not self.signed_in:
            self.sign_in()
            return False
        return True

    @task(3)
    def incident_list_page(self) -> None:
        if not self.run_task():
            return
        self._request("GET", "/incidents/", "incident list (page)",
                      params=random.choice(LIST_QUERIES))

    @task(3)
    def incident_list_api(self) -> None:
        if not self.run_task():
            return
        self._request("GET", "/api/incidents/", "incident list (API)",
                      params=random.choice(LIST_QUERIES))

    @task(4)
    def open_room(self) -> None:
        if not self.run_task():
            return
        others = self.account["incidents"]
        self.room = (CONFIG["main_room"] if random.random() < 0.75 or not others
                     else random.choice(others))
        response = self._request("GET", f"/incidents/{self.room}/", "room")
        token = CSRF_HEADER.search(response.text or "")
        if token:
            self.csrf = token.group(1)
        # Then, as the page asks once loaded, the panels below the fold (the checklist…).
        response = self._request("GET", f"/incidents/{self.room}/", "room: lazy panels",
                                 htmx_target="room-more-panels")
        text = response.text or ""
        self.open_tasks = [int(pk) for pk in TASK_DONE.findall(text)]
        self.tasks_seen = [int(pk) for pk in re.findall(r'id="task-(\d+)"', text)]

    @task(1)
    def open_task(self) -> None:
        if not self.run_task():
            return
        if self.tasks_seen:
            pk = random.choice(self.tasks_seen)
            self._request("GET", f"/incidents/tasks/{pk}/", "task: open (its forms)",
                          htmx_target=f"task-{pk}-forms")

    @task(2)
    def post_note(self) -> None:
        if not self.run_task():
            return
        if self.account["writer"] and self.csrf:
            self._request("POST", f"/incidents/{self.room}/timeline/", "room: post a note",
                          htmx_target="composer",
                          data={"kind": "note", "body": random.choice(NOTES)})

    @task(1)
    def complete_task(self) -> None:
        if not self.run_task():
            return
        if self.account["writer"] and self.csrf and self.open_tasks:
            pk = self.open_tasks.pop(random.randrange(len(self.open_tasks)))
            self._request("POST", f"/incidents/tasks/{pk}/status/", "room: complete a task",
                          htmx_target=f"task-{pk}", data={"status": "done"})

    @task(1)
    def floor_healthz(self) -> None:
        """The floor, in the same run: the same servers answering /healthz."""
        if not self.run_task():
            return
        self._request("GET", "/healthz", "floor: /healthz")

    @task(1)
    def floor_static(self) -> None:
        """The floor: a static file (whitenoise, through the same ASGI app)."""
        if not self.run_task():
            return
        self._request("GET", CONFIG["static"], "floor: static file")
