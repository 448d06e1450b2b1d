"""Project-wide guarantees: migrations, schema, admin, settings, demo data."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7#Qm2!vTz9$Lp4@Wn8^Rk3&Hs6*Jd1(Fg5)Yb0-Uc7+Ea2=Oi9~Nt4%Ml8",
    "ALLOWED_HOSTS": "crisis.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://crisis.example.com",
    "EMAIL_HOST": "smtp.example.com",
    "SITE_URL": "https://crisis.example.com",
    # The embedded pass has no DATABASE_URL / REDIS_URL: production settings, one process.
    "CRISISDESK_EMBEDDED": "1",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=300)


@pytest.mark.django_db
def test_migrations_are_committed():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_openapi_schema_builds_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--file", str(out), verbosity=0)
    assert "/api/incidents/" in out.read_text()


def test_every_project_model_is_in_the_admin_with_filters_and_search():
    for app_label in ("teams", "crisis", "comms", "monitoring", "reports"):
        for model in apps.get_app_config(app_label).get_models():
            model_admin = admin.site._registry.get(model)
            assert model_admin is not None, f"{model.__name__} is not in the admin"
            assert model_admin.list_filter, f"{model.__name__} admin has no list filters"
            assert model_admin.search_fields, f"{model.__name__} admin has no search"


@pytest.mark.same_in_both_modes
def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.same_in_both_modes
@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                    reason="static files do not depend on the database: checked once, in the "
                           "embedded run (compressing them all takes about a minute)")
def test_production_static_files_collect_with_the_manifest(tmp_path):
    result = manage("collectstatic", "--noinput", "-v0",
                    env={**PRODUCTION_ENV, "CRISISDESK_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    for used in ("vendor/tabler/css/tabler.min.css", "vendor/htmx/htmx.min.js",
                 "css/tokens.css", "js/live.js"):
        assert used in manifest
    # Only what pages load leaves node_modules (fonts and maps they refer to included).
    vendor = [str(p.relative_to(tmp_path / "static")) for p in
              (tmp_path / "static" / "vendor").rglob("*") if p.is_file()]
    assert "redoc" not in manifest
    assert len(json.loads(manifest)["paths"]) < 300, "collectstatic copies more than pages use"
    assert all(any(path.startswith(f"vendor/{lib}/") for lib in
                   ("tabler", "tabler-icons", "htmx", "idiomorph", "uplot")) for path in vendor)


@pytest.mark.same_in_both_modes
def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV}
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.same_in_both_modes
def test_malformed_boolean_setting_is_refused_clearly():
    result = manage("check", env={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be 1/0" in result.stderr


@pytest.fixture(scope="class")
def demo_seeded(django_db_setup, django_db_blocker) -> str:
    """The demo data, seeded once for the demo tests (with the closed crisis's review and
    its PDF, it is the dearest thing they do) inside a transaction rolled back after their
    class; each test runs in a savepoint inside it. What it printed."""
    # Before the tests' fast hasher (tests.conftest) is set: the same one, for the same users.
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        out = StringIO()
        call_command("seed_demo", "--force", stdout=out)  # tests run with DEBUG=False
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestDemoData:
    """The demo data (``seed_demo``), seeded once for both: ``demo_seeded``."""

    def test_demo_data_creates_every_persona_once(self, demo_seeded):
        from crisis.models import Incident
        from teams.models import User

        out = StringIO(demo_seeded)
        out.seek(0, 2)
        call_command("seed_demo", "--force", stdout=out)  # seeded a second time

        usernames = set(User.objects.values_list("username", flat=True))
        assert usernames == {"lead", "comms", "legal", "exec", "analyst", "support", "auditor",
                             "outsider", "admin"}
        assert Incident.objects.count() == 5  # four running, one closed with its review
        # One incident per confidentiality: the personas see different lists.
        from crisis.selectors import incident_list

        def visible(username):
            return incident_list(user=User.objects.get(username=username)).count()

        assert (visible("outsider"), visible("exec"), visible("legal"), visible("admin")) \
            == (2, 4, 4, 5)
        assert User.objects.get(username="lead").check_password("crisisdesk-demo")
        assert User.objects.get(username="lead").has_perm("crisis.add_incident")
        assert not User.objects.get(username="outsider").has_perm("crisis.add_incident")
        assert "lead      / crisisdesk-demo" in out.getvalue()

    def test_demo_data_looks_like_a_crisis_in_progress(self, demo_seeded):
        from crisis.models import Incident, Task, TimelineEntry

        assert not Incident.objects.filter(warning_level="").exists()  # each has a level
        assert set(Incident.objects.filter(severity="critical")
                   .values_list("warning_level", flat=True)) == {"red"}
        assert Incident.objects.exclude(status="triage").count() >= 3
        assert Task.objects.filter(status="done").exists()
        assert Task.objects.filter(status="in_progress").exclude(owner=None).exists()
        assert Task.objects.filter(status="open").exists()
        assert TimelineEntry.objects.filter(kind="role", data__action="handed_over").exists()
        assert TimelineEntry.objects.filter(kind="decision", pinned=True).exists()
        # The closed crisis: its review signed off by the demo's lead and executive sponsor,
        # with an overdue action item, and the PDF stored for anyone to download.
        from reports.models import PostIncidentReview, ReviewPdf

        review = PostIncidentReview.objects.get(incident__status="closed")
        version = review.current
        assert version.is_signed_off and version.metrics
        assert set(version.sign_offs.values_list("role", "user__username")) == {
            ("lead", "lead"), ("executive_sponsor", "exec")}
        assert [item.is_overdue for item in review.action_items.all()].count(True) == 1
        stored = ReviewPdf.objects.get(version=version, status="ready")
        with stored.file.open("rb") as document:
            assert document.read(5) == b"%PDF-" and stored.pages > 5


@pytest.mark.same_in_both_modes
def test_demo_data_is_refused_in_production():
    result = manage("seed_demo", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "Refusing to create demo users" in result.stderr


@pytest.mark.django_db
def test_every_admin_changelist_and_search_renders(client):
    from tests.crisis.factories import IncidentFactory
    from tests.teams.factories import UserFactory

    IncidentFactory()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
        if model_admin.search_fields:
            assert client.get(url, {"q": "x"}).status_code == 200, url
