"""Two ASGI server processes behind one channel layer: a change made through one reaches a
browser connected to the other (issue 5, production path: several processes on Redis)."""

import http.client
import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from crisis.models import Task
from crisis.permissions import CONTRIBUTE
from tests.e2e.conftest import LIVE_HOST, LiveServer, person
from tests.e2e.test_incident_room import open_room, task_item, timeline
from tests.e2e.test_live_room import (
    TASK,
    complete_and_time,
    open_incident,
)

ACROSS = 2_000  # ms: one more hop (Redis) than within one server, same "blink"

needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL,
    reason="Two server processes share events only through the Redis channel layer; "
           "without REDIS_URL the layer is in-memory, inside one process, so a socket on "
           "the second server could never hear of a change made through the first.")


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process ``pid`` itself listens on (Linux /proc: its socket inodes
    matched against the kernel's table of listening sockets)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def answers(server: LiveServer) -> int:
    """The status of the sign-in page, asked of this server's port."""
    connection = http.client.HTTPConnection(LIVE_HOST, server.port, timeout=10)
    try:
        connection.request("GET", "/accounts/login/")
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_two_servers_are_separate_processes_on_their_own_ports(
        asgi_live_server, second_asgi_live_server):
    first, second = asgi_live_server, second_asgi_live_server
    assert first.port != second.port
    assert len({first.pid, second.pid, os.getpid()}) == 3
    assert first.process.is_alive() and second.process.is_alive()
    assert first.port in listening_ports(first.pid)
    assert second.port not in listening_ports(first.pid)
    assert second.port in listening_ports(second.pid)
    assert first.port not in listening_ports(second.pid)
    assert answers(first) == answers(second) == 200


@needs_redis
def test_a_task_done_through_one_server_reaches_a_room_open_on_the_other(
        new_context, asgi_live_server, second_asgi_live_server, crisis_lead):
    ops = person("ops", CONTRIBUTE)
    incident = open_incident(crisis_lead, "Orders stuck in the warehouse queue")
    task = Task.objects.get(incident=incident, title=TASK)

    watcher = new_context(base_url=second_asgi_live_server).new_page()
    open_room(watcher, ops.username, incident)
    watcher.evaluate("window.__noReload = 1")
    lead_page = new_context().new_page()
    open_room(lead_page, crisis_lead.username, incident)
    assert watcher.evaluate("location.port") == str(second_asgi_live_server.port)
    assert lead_page.evaluate("location.port") == str(asgi_live_server.port)

    # Presence crosses too: each sees the other, whose socket is on the other server.
    expect(watcher.locator(f"#presence-list > li[data-user='{crisis_lead.pk}']")
           ).to_have_count(1)
    expect(lead_page.locator(f"#presence-list > li[data-user='{ops.pk}']")).to_have_count(1)

    timing = complete_and_time(lead_page, [watcher], task)
    print(f"\nacross two servers, ms: {timing}")
    assert timing["after_answer"][0] <= ACROSS, timing
    expect(task_item(watcher, TASK).locator(".cd-task-done")).to_have_text("Done")
    expect(timeline(watcher).locator("> li").first).to_contain_text(
        f"Task “{TASK}”: Open → Done")
    assert watcher.evaluate("window.__noReload") == 1
