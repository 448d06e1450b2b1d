"""The demo early warning: a week of mentions in three scripts and a storm that real
detection turns into an open red alert."""

import pytest

from monitoring.demo import seed_monitoring
from monitoring.models import Alert, AlertEvidence, Mention, Watch


@pytest.mark.django_db
def test_the_demo_storm_is_an_open_red_alert_found_by_detection():
    seed_monitoring()

    assert Watch.objects.count() == 2
    languages = set(Mention.objects.values_list("language", flat=True))
    assert {"en", "zh-Hant", "zh-Hans"} <= languages
    alert = Alert.objects.get(watch__name="X2 power bank")
    assert (alert.level, alert.status) == ("red", "open")
    assert AlertEvidence.objects.filter(alert=alert).count() == 5
    assert alert.top_terms and not {"x2", "power", "bank"} & set(alert.top_terms)
    assert alert.level_changes.count() >= 1
