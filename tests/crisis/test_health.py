import pytest
from django.conf import settings
from django.test import override_settings

from config import health
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_is_503_naming_the_channel_layer_when_it_is_down(client):
    unreachable = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    with override_settings(CHANNEL_LAYERS=unreachable):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["channel_layer"]["ok"] is False
    assert body["checks"]["channel_layer"]["error"].endswith("Error")  # the class, no text
    assert body["checks"]["database"]["ok"] is True


@pytest.fixture
def unreachable_broker(celery_not_eager):
    configured = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    yield
    celery_app.conf.broker_url = configured


def test_healthz_is_503_naming_the_broker_when_it_is_down(client, unreachable_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_broker_check_connects_to_the_configured_broker(celery_not_eager):
    expected = "redis" if settings.REDIS_URL else "memory"
    assert health.check_broker() == expected
