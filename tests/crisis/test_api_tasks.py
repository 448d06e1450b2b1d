import pytest
from django.utils import timezone

from crisis import selectors, services
from crisis.models import Task, TaskComment
from tests.conftest import as_new_request, count_queries
from tests.crisis.factories import (
    ChecklistItemFactory,
    IncidentFactory,
    IncidentTypeFactory,
    TaskCommentFactory,
    TaskFactory,
)
from tests.crisis.helpers import db_state
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/tasks/"


def task_url(task, action="") -> str:
    return f"/api/tasks/{task.pk}/" + (f"{action}/" if action else "")


def comments_url(task) -> str:
    return f"/api/tasks/{task.pk}/comments/"


def checklist_url(item) -> str:
    return f"/api/tasks/{item.task_id}/checklist/{item.pk}/"


def _write_request(action: str):
    """(task, url, payload, success status) of a valid request for ``action``."""
    task = TaskFactory(due_at=timezone.now() + timezone.timedelta(hours=1))
    item = ChecklistItemFactory(task=task)
    requests = {
        "create": (LIST_URL, {"incident": task.incident_id, "title": "Call the regulator"}, 201),
        "status": (task_url(task, "status"), {"status": "in_progress"}, 200),
        "assign": (task_url(task, "assign"), {"owner": UserFactory().pk}, 200),
        "checklist": (checklist_url(item), {"done": True}, 200),
        "comment": (comments_url(task), {"body": "Regulator called back"}, 201),
    }
    return (task, *requests[action])


WRITE_ACTIONS = ("create", "status", "assign", "checklist", "comment")


@pytest.mark.parametrize("action", WRITE_ACTIONS)
@pytest.mark.parametrize("who", ["anonymous", "outsider", "contributor", "lead"])
def test_task_writes_by_role_and_refusals_change_nothing(api_client, sign_in, action, who):
    _, url, payload, success = _write_request(action)
    sign_in(who)
    before = db_state()

    response = api_client.post(url, payload, format="json")

    expected = {"anonymous": 401, "outsider": 403}.get(who, success)
    assert response.status_code == expected, response.content
    if expected == success:
        assert db_state() != before
    else:
        assert db_state() == before


@pytest.mark.parametrize(("action", "expected"), [("status", 200), ("checklist", 200),
                                                  ("comment", 201), ("assign", 403)])
def test_the_owner_may_work_on_their_task_but_not_reassign_it(
    api_client, outsider, action, expected
):
    task, url, payload, _ = _write_request(action)
    Task.objects.filter(pk=task.pk).update(owner=outsider)
    api_client.force_authenticate(outsider)

    assert api_client.post(url, payload, format="json").status_code == expected


@pytest.mark.parametrize("action", WRITE_ACTIONS)
def test_task_writes_reject_malformed_json(api_client, contributor, action):
    _, url, _, _ = _write_request(action)
    api_client.force_authenticate(contributor)
    before = db_state()

    response = api_client.post(url, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert db_state() == before


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("create", {"title": "x"}, "incident"),
        ("create", {"incident": "abc", "title": "x"}, "incident"),
        ("create", {"incident": 999999, "title": "x"}, "incident"),
        ("create", {"incident": "task's", "title": ""}, "title"),
        ("create", {"incident": "task's", "title": "   "}, "title"),
        ("create", {"incident": "task's", "title": "x" * 201}, "title"),
        ("create", {"incident": "task's", "title": ["x"]}, "title"),
        ("create", {"incident": "task's", "title": "x", "owner": 999999}, "owner"),
        ("create", {"incident": "task's", "title": "x", "owner": "me"}, "owner"),
        ("create", {"incident": "task's", "title": "x", "due_at": "tomorrow"}, "due_at"),
        ("create", {"incident": "task's", "title": "x", "status": "done"}, "status"),
        ("status", {}, "status"),
        ("status", {"status": ""}, "status"),
        ("status", {"status": "finished"}, "status"),
        ("status", {"status": "blocked"}, "reason"),
        ("status", {"status": "waived", "reason": "  "}, "reason"),
        ("status", {"status": "done", "reason": 5}, "reason"),
        ("assign", {}, "owner"),
        ("assign", {"owner": 999999}, "owner"),
        ("assign", {"owner": "inactive"}, "owner"),
        ("assign", {"owner": [1]}, "owner"),
        ("checklist", {}, "done"),
        ("checklist", {"done": "maybe"}, "done"),
        ("checklist", {"done": None}, "done"),
        ("comment", {}, "body"),
        ("comment", {"body": ""}, "body"),
        ("comment", {"body": "   "}, "body"),
        ("comment", {"body": {"text": "x"}}, "body"),
        ("comment", {"body": "x" * 10_001}, "body"),
        ("comment", {"body": "x", "author": 1}, "author"),
    ],
)
def test_task_writes_reject_bad_input_naming_the_field(
    api_client, contributor, action, payload, field
):
    task, url, _, _ = _write_request(action)
    if payload.get("incident") == "task's":
        payload = {**payload, "incident": task.incident_id}
    if payload.get("owner") == "inactive":
        payload = {**payload, "owner": UserFactory(is_active=False).pk}
    api_client.force_authenticate(contributor)
    before = db_state()

    response = api_client.post(url, payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert db_state() == before


def test_create_answers_the_task_and_records_it(api_client, contributor):
    incident = IncidentFactory()
    owner = UserFactory(username="liaison")
    due = timezone.now() + timezone.timedelta(hours=2)
    api_client.force_authenticate(contributor)

    response = api_client.post(LIST_URL, {
        "incident": incident.pk, "title": " Call the regulator ", "description": "Before 5",
        "owner": owner.pk, "due_at": due.isoformat(),
    }, format="json")

    assert response.status_code == 201
    body = response.json()
    task = Task.objects.get(incident=incident)
    assert body["id"] == task.pk
    assert body["title"] == "Call the regulator"
    assert body["owner"]["username"] == "liaison"
    assert body["is_overdue"] is False
    assert body["checklist_items"] == []
    assert body["incident_reference"] == incident.reference
    assert incident.timeline.filter(kind="task").exists()


def test_tasks_of_a_closed_incident_are_409(api_client, contributor):
    task = TaskFactory(incident=IncidentFactory(status="closed", closed_at=timezone.now()))
    api_client.force_authenticate(contributor)
    before = db_state()

    created = api_client.post(LIST_URL, {"incident": task.incident_id, "title": "Late"},
                              format="json")
    moved = api_client.post(task_url(task, "status"), {"status": "done"}, format="json")

    assert created.status_code == moved.status_code == 409
    assert created.json()["current"] == moved.json()["current"] == "closed"
    assert db_state() == before


def test_status_change_finishes_and_reopens(api_client, contributor):
    task = TaskFactory()
    api_client.force_authenticate(contributor)

    done = api_client.post(task_url(task, "status"), {"status": "done"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert done.json()["completed_at"] is not None

    blocked = api_client.post(task_url(task, "status"),
                              {"status": "blocked", "reason": "Waiting on legal"}, format="json")
    assert blocked.json()["status_reason"] == "Waiting on legal"
    assert blocked.json()["completed_at"] is None


def test_assign_and_unassign(api_client, contributor):
    task = TaskFactory()
    owner = UserFactory(username="hr-liaison")
    api_client.force_authenticate(contributor)

    assigned = api_client.post(task_url(task, "assign"), {"owner": owner.pk}, format="json")
    assert assigned.status_code == 200
    assert assigned.json()["owner"]["id"] == owner.pk

    unassigned = api_client.post(task_url(task, "assign"), {"owner": None}, format="json")
    assert unassigned.status_code == 200
    assert unassigned.json()["owner"] is None
    task.refresh_from_db()
    assert task.owner is None


def test_checklist_item_of_another_task_is_404(api_client, contributor):
    task = TaskFactory()
    elsewhere = ChecklistItemFactory()
    api_client.force_authenticate(contributor)
    before = db_state()

    response = api_client.post(f"/api/tasks/{task.pk}/checklist/{elsewhere.pk}/",
                               {"done": True}, format="json")

    assert response.status_code == 404
    assert db_state() == before


def test_checklist_tick_and_untick(api_client, contributor):
    item = ChecklistItemFactory()
    api_client.force_authenticate(contributor)

    ticked = api_client.post(checklist_url(item), {"done": True}, format="json")
    assert ticked.status_code == 200
    assert ticked.json() == {"id": item.pk, "position": item.position, "text": item.text,
                             "done": True}
    api_client.post(checklist_url(item), {"done": False}, format="json")
    item.refresh_from_db()
    assert item.done is False


def test_unknown_or_hidden_task_is_404(api_client, contributor, monkeypatch):
    task, *_ = _write_request("status")
    item = task.checklist_items.get()
    visible = selectors.incident_list
    monkeypatch.setattr(selectors, "incident_list",
                        lambda *, user: visible(user=user).exclude(pk=task.incident_id))
    api_client.force_authenticate(contributor)
    before = db_state()

    assert api_client.get(task_url(task)).status_code == 404
    assert api_client.get("/api/tasks/999999/").status_code == 404
    assert api_client.get(comments_url(task)).status_code == 404
    assert api_client.get(LIST_URL).json()["count"] == 0
    for url, payload in [(task_url(task, "status"), {"status": "done"}),
                         (task_url(task, "assign"), {"owner": None}),
                         (checklist_url(item), {"done": True}),
                         (comments_url(task), {"body": "x"})]:
        assert api_client.post(url, payload, format="json").status_code == 404
    created = api_client.post(LIST_URL, {"incident": task.incident_id, "title": "x"},
                              format="json")
    assert created.status_code == 400
    assert "incident" in created.json()
    assert db_state() == before


def test_list_shows_overdue_checklist_and_owner_and_filters(api_client, outsider, contributor):
    incident = IncidentFactory()
    late = TaskFactory(incident=incident, owner=contributor,
                       due_at=timezone.now() - timezone.timedelta(hours=1))
    ChecklistItemFactory(task=late, text="What happened")
    done = TaskFactory(incident=incident, status="done",
                       due_at=timezone.now() - timezone.timedelta(hours=1))
    elsewhere = TaskFactory()
    api_client.force_authenticate(outsider)

    def ids(params=None):
        return {row["id"] for row in api_client.get(LIST_URL, params or {}).json()["results"]}

    rows = {row["id"]: row for row in api_client.get(LIST_URL).json()["results"]}
    assert rows[late.pk]["is_overdue"] is True
    assert rows[done.pk]["is_overdue"] is False
    assert rows[late.pk]["owner"]["id"] == contributor.pk
    assert [i["text"] for i in rows[late.pk]["checklist_items"]] == ["What happened"]
    assert ids({"incident": incident.pk}) == {late.pk, done.pk}
    assert ids({"owner": contributor.pk}) == {late.pk}
    assert ids({"status": "done"}) == {done.pk}
    assert ids({"overdue": "true"}) == {late.pk}
    assert ids({"overdue": "false"}) == {done.pk, elsewhere.pk}
    assert api_client.get(LIST_URL, {"status": "bogus"}).status_code == 400


def test_playbook_tasks_come_with_their_checklists(api_client, manager):
    incident = services.incident_create(actor=manager, title="Battery fire",
                                        type=IncidentTypeFactory())
    api_client.force_authenticate(manager)

    rows = api_client.get(LIST_URL, {"incident": incident.pk}).json()["results"]

    verify = next(row for row in rows if row["title"] == "Verify the facts (5W1H)")
    assert len(verify["checklist_items"]) == 6
    assert verify["owner_role"] == "Incident lead"


def test_comments_are_oldest_first_and_written_by_the_author(api_client, contributor):
    task = TaskFactory()
    first = TaskCommentFactory(task=task)
    TaskCommentFactory()  # another task's
    api_client.force_authenticate(contributor)

    created = api_client.post(comments_url(task), {"body": "Called back"}, format="json")

    assert created.status_code == 201
    assert created.json()["author"]["id"] == contributor.pk
    rows = api_client.get(comments_url(task)).json()["results"]
    assert [row["id"] for row in rows] == [first.pk, created.json()["id"]]
    assert TaskComment.objects.get(pk=created.json()["id"]).body == "Called back"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_tasks_change_only_through_their_actions(api_client, manager, method):
    task = TaskFactory(title="As created")
    comment = TaskCommentFactory(task=task)
    api_client.force_authenticate(manager)
    before = db_state()

    assert getattr(api_client, method)(task_url(task), {"title": "x"},
                                       format="json").status_code == 405
    assert getattr(api_client, method)(comments_url(task), {"body": "x"},
                                       format="json").status_code == 405
    assert getattr(api_client, method)(f"{comments_url(task)}{comment.pk}/", {"body": "x"},
                                       format="json").status_code == 404
    assert db_state() == before


def test_list_query_count_does_not_grow_with_rows(api_client, outsider):
    api_client.force_authenticate(outsider)
    ChecklistItemFactory(task__owner=UserFactory())
    one_row = count_queries(
        lambda: as_new_request(api_client, outsider).get(LIST_URL, {"page_size": 50}))

    for _ in range(29):
        ChecklistItemFactory.create_batch(2, task=TaskFactory(owner=UserFactory()))

    many_rows = count_queries(

        lambda: as_new_request(api_client, outsider).get(LIST_URL, {"page_size": 50}))
    assert api_client.get(LIST_URL, {"page_size": 50}).json()["count"] == 30
    assert one_row == many_rows <= 6


def test_comments_query_count_does_not_grow_with_rows(api_client, outsider):
    task = TaskFactory()
    TaskCommentFactory(task=task)
    api_client.force_authenticate(outsider)
    one_row = count_queries(
        lambda: as_new_request(api_client, outsider).get(comments_url(task)))

    TaskCommentFactory.create_batch(29, task=task)

    many_rows = count_queries(

        lambda: as_new_request(api_client, outsider).get(comments_url(task)))
    assert one_row == many_rows <= 7
