"""Whether the configured email backend really delivers mail.

The console, file and dummy backends only print, write or drop messages: what goes
through them must not count as sent, so that it is sent for real once SMTP is configured
(teams' notification sweep picks it up). The local-memory backend (tests) delivers to its
outbox and counts as sent.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

NOT_DELIVERING = frozenset({
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
})


def backend_delivers() -> bool:
    return settings.EMAIL_BACKEND not in NOT_DELIVERING


def not_delivering_message() -> str:
    return (f"Email is not delivered: EMAIL_BACKEND is {settings.EMAIL_BACKEND}. Set "
            "EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS "
            "or EMAIL_USE_SSL) to send notification emails; until then they are printed "
            "and stay owed, and are sent (up to 24 hours back) once SMTP is configured.")


@checks.register(checks.Tags.compatibility, deploy=True)
def check_email_delivers(app_configs, **kwargs):
    if backend_delivers():
        return []
    return [checks.Warning(not_delivering_message(), id="crisisdesk.W001")]


@checks.register(checks.Tags.compatibility, deploy=True)
def check_site_url(app_configs, **kwargs):
    """Links in emails start with SITE_URL: on loopback they lead nowhere."""
    host = urlsplit(settings.SITE_URL).hostname or ""
    if host in {"127.0.0.1", "localhost", "::1"}:
        return [checks.Warning(
            f"SITE_URL is {settings.SITE_URL}: links in emails lead nowhere. Set SITE_URL "
            "to the address people open CrisisDesk at (https://crisis.example.com).",
            id="crisisdesk.W002")]
    return []
