"""Operating safely: production mode needs its services, email counts only when it is
delivered, and login throttling sees the client behind a proxy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from crisis import services
from crisis.models import IncidentType
from teams import tasks
from teams.choices import EmailNotifications, NotificationKind
from teams.models import Notification
from tests.teams.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "crisis.example.com"}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT,
                          env={**clean, **PRODUCTION, **env}, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.same_in_both_modes
def test_production_mode_refuses_to_start_without_its_services():
    result = manage("check")
    assert result.returncode != 0
    assert "needs DATABASE_URL" in result.stderr and "missing: DATABASE_URL, REDIS_URL" in \
        result.stderr


@pytest.mark.same_in_both_modes
def test_the_embedded_default_with_debug_off_must_be_asked_for_by_name():
    result = manage("check", CRISISDESK_EMBEDDED="1", EMAIL_HOST="smtp.example.com")
    assert result.returncode == 0, result.stderr


@pytest.mark.same_in_both_modes
def test_implicit_tls_and_starttls_are_not_both_allowed():
    result = manage("check", CRISISDESK_EMBEDDED="1", EMAIL_USE_SSL="1", EMAIL_USE_TLS="1")
    assert result.returncode != 0 and "not both" in result.stderr


@pytest.mark.same_in_both_modes
def test_check_deploy_warns_when_email_is_only_printed():
    result = manage("check", "--deploy", CRISISDESK_EMBEDDED="1")
    assert "crisisdesk.W001" in result.stderr + result.stdout


def test_healthz_says_which_mode_it_runs_in(client, settings):
    body = client.get("/healthz").json()
    assert body["mode"] == ("embedded" if settings.EMBEDDED else "production")
    assert (not (os.environ.get("DATABASE_URL")
                                      and os.environ.get("REDIS_URL"))) == settings.EMBEDDED


@pytest.mark.django_db
def test_email_printed_by_the_console_backend_is_not_counted_as_sent(lead, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    incident = services.incident_create(actor=lead, title="Leak",
                                        type=IncidentType.objects.order_by("pk").first())
    person = UserFactory(email="p@example.com", email_notifications=EmailNotifications.ALL)
    notification = Notification.objects.create(
        recipient=person, kind=NotificationKind.MENTION, title="x", dedupe_key="x",
        incident=incident)
    assert tasks.deliver_notification_emails([notification.pk]) == 0
    notification.refresh_from_db()
    assert notification.emailed_at is None  # still owed: sent once SMTP is configured

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.deliver_notification_emails([notification.pk]) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None and len(mail.outbox) == 1


@pytest.mark.django_db
def test_behind_a_proxy_failed_logins_lock_out_the_client_not_everyone(client, settings):
    settings.PROXY_COUNT = 1
    UserFactory(username="dana", password="right-password-123")
    login = reverse("login")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "dana", "password": "wrong"},
                    HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.7", **proxy)
    locked = client.post(login, {"username": "dana", "password": "right-password-123"},
                         HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert locked.status_code in (403, 429)  # the client who failed is locked out
    elsewhere = client.post(login, {"username": "dana", "password": "right-password-123"},
                            HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy)
    assert elsewhere.status_code == 302  # the same proxy, another client: signed in


@pytest.mark.django_db
def test_failing_health_probes_log_one_warning_not_an_error_each(client, caplog, monkeypatch):
    import logging

    from config import health

    def down():
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setitem(health.CHECKS, "broker", down)
    monkeypatch.setattr(health, "_last_healthy", True)
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            assert client.get("/healthz").status_code == 503
    assert [r.levelname for r in caplog.records if r.name == "django.request"] == []
    warnings = [r for r in caplog.records if r.name == "config.health"]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert "Error 111" in warnings[0].getMessage()


def test_every_setting_read_from_the_environment_is_in_the_readme_table():
    import re

    code = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'(?:environ\.get|env_bool|env_list)\(\s*"([A-Z][A-Z0-9_]+)"', code))
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| variable |"):]
    table = table[:table.index("\n\n")]
    documented = {name for row in table.splitlines()
                  for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}
    assert read, "no environment reads found: the pattern is out of date"
    assert sorted(read - documented) == []


@pytest.mark.same_in_both_modes
def test_plain_http_is_off_unless_asked_for_and_check_deploy_says_so_when_it_is():
    settings_of = ("from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
                   "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)")
    env = {"CRISISDESK_EMBEDDED": "1", "EMAIL_HOST": "smtp.example.com",
           "SITE_URL": "https://crisis.example.com"}
    def secure(**env) -> list[str]:
        return manage("shell", "-c", settings_of, **env).stdout.splitlines()[-1].split()

    assert secure(**env) == ["True", "True", "31536000"]
    plain = {**env, "CRISISDESK_PLAIN_HTTP": "1"}
    assert secure(**plain) == ["False", "False", "0"]
    deploy = manage("check", "--deploy", **plain)
    assert "security.W012" in deploy.stderr + deploy.stdout  # SESSION_COOKIE_SECURE off


@pytest.mark.same_in_both_modes
def test_installations_on_other_redis_databases_get_their_own_channel_names():
    show = "from django.conf import settings as s; print(s.CHANNEL_LAYERS['default']['CONFIG'])"

    def config(**env) -> str:
        return manage("shell", "-c", show, CRISISDESK_EMBEDDED="1", **env).stdout

    assert "'prefix': 'crisisdesk'" in config(REDIS_URL="redis://127.0.0.1:6379/0")
    assert "'prefix': 'crisisdesk-db5'" in config(REDIS_URL="redis://127.0.0.1:6379/5")
    assert "'prefix': 'site-b'" in config(REDIS_URL="redis://127.0.0.1:6379/5",
                                          CHANNEL_LAYER_PREFIX="site-b")
