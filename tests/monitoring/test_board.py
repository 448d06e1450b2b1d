"""The alert board, the alert page, the chart data and the room's Evidence panel: who sees
what, the mention stream's filters, the series' numbers and the actions' answers."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from crisis.permissions import ADD_INCIDENT, MANAGE_INCIDENT, VIEW_EVERY
from monitoring.models import Alert, AlertLevelChange, Baseline, MentionBucket
from monitoring.permissions import CHANGE_ALERT, VIEW_ALERT, VIEW_MENTION
from monitoring.series import watch_series
from tests.conftest import grant
from tests.crisis.factories import IncidentFactory
from tests.monitoring.helpers import make_alert, make_mention, make_watch
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

BOARD = "/monitoring/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def analyst():
    return grant(UserFactory(), VIEW_ALERT, CHANGE_ALERT, VIEW_MENTION, ADD_INCIDENT)


@pytest.fixture
def watch():
    return make_watch()


# --- who sees what -------------------------------------------------------------------------

def test_the_board_lists_open_alerts_red_first_with_their_signals_in_words(analyst, watch):
    other = make_watch("Power bank P1")
    blue = make_alert(other, level="blue")
    red = make_alert(watch, level="red", signals=[
        {"code": "volume_ratio", "value": 6.2, "threshold": 3, "hour_of_week": 153},
        {"code": "negative_share", "value": 0.71, "threshold": 0.5}],
        evidence=[make_mention(watch, reach=10), make_mention(watch, reach=20)])
    make_alert(other, level="orange", status="dismissed", dismiss_reason="A joke.")

    page = client_for(analyst).get(BOARD)

    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(f'id="alert-{red.pk}"') < html.index(f'id="alert-{blue.pk}"')
    assert "mentions 6.2× the usual for Sunday 09:00 UTC; 71 % negative" in html
    assert "2 evidence mentions" in html
    assert html.count('class="card mb-2 cd-alert') == 2  # the dismissed one is not on it
    assert 'href="/monitoring/"' in html  # offered in the navigation


def test_the_board_is_refused_and_not_offered_without_the_alert_right(watch):
    someone = client_for(UserFactory())
    assert someone.get(BOARD).status_code == 403
    assert someone.get(reverse("monitoring-alert", args=[make_alert(watch).pk])).status_code == 403
    assert 'href="/monitoring/"' not in someone.get("/").content.decode()
    assert Client().get(BOARD).status_code == 302  # anonymous: to sign in


def test_an_executive_sees_alerts_without_actions_or_the_mention_stream(watch):
    executive = grant(UserFactory(), VIEW_ALERT)
    alert = make_alert(watch)
    make_mention(watch, text="Private post about the X2")

    html = client_for(executive).get(BOARD).content.decode()

    assert f'id="alert-{alert.pk}"' in html
    assert "Dismiss the alert" not in html and "Open an incident" not in html
    assert "Private post about the X2" not in html and 'id="mention-stream"' not in html


def test_an_executive_posting_an_action_is_refused_whatever_the_form_holds(watch):
    client = client_for(grant(UserFactory(), VIEW_ALERT))
    alert = make_alert(watch)
    for action in ("acknowledge", "dismiss", "escalate"):
        answer = client.post(reverse(f"monitoring-alert-{action}", args=[alert.pk]), {})
        assert answer.status_code == 403, action
    assert Alert.objects.get().status == "open"


def test_the_csv_import_is_offered_on_the_board_to_those_who_may_import(analyst):
    link = reverse("monitoring-mention-import")
    assert link not in client_for(analyst).get(BOARD).content.decode()
    assert client_for(analyst).get(link).status_code == 403
    importer = grant(analyst, "monitoring.import_mention")  # the analysts' group holds it
    client = client_for(importer)
    assert f'href="{link}"' in client.get(BOARD).content.decode()
    assert client.get(link).status_code == 200
    # A file, not the bulk API: that stays a service account's (monitoring.ingest_mention).
    bulk = client.post(reverse("api:mention-bulk"), "[]", content_type="application/json")
    assert bulk.status_code == 403


def test_the_browsable_api_offers_forms_only_to_those_who_may_send_them(analyst, watch):
    alert = make_alert(watch)
    pages = {"watches": reverse("api:watch-list"),
             "watch": reverse("api:watch-detail", args=[watch.pk]),
             "acknowledge": reverse("api:alert-acknowledge", args=[alert.pk]),
             "import": reverse("api:mention-import")}

    def forms(user) -> set[str]:
        client = client_for(user)
        return {name for name, url in pages.items()
                if 'name="_content"' in client.get(url, HTTP_ACCEPT="text/html")
                .content.decode()}

    executive = grant(UserFactory(), VIEW_ALERT)  # reads alerts and watches, sends nothing
    assert forms(executive) == set()
    assert forms(analyst) == {"acknowledge"}
    administrator = grant(UserFactory(), VIEW_ALERT, CHANGE_ALERT, "monitoring.add_watch",
                          "monitoring.change_watch", "monitoring.import_mention")
    assert forms(administrator) == set(pages)


# --- the mention stream --------------------------------------------------------------------

def _stream(client, **filters) -> str:
    response = client.get(BOARD, filters, headers={"HX-Request": "true",
                                                   "HX-Target": "mention-stream"})
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_the_mention_stream_filters_by_each_field_and_searches_the_text(analyst, watch):
    other = make_watch("Power bank P1", include_terms=["P1"])
    make_mention(watch, text="X2 leaks everywhere", platform="weibo", language="zh-Hans",
                 sentiment_label="negative", reach=5000)
    make_mention(watch, text="X2 arrived, lovely", platform="x", language="en",
                 sentiment_label="positive", reach=40)
    make_mention(other, text="P1 charges fine", platform="x", language="en-GB", reach=900)
    client = client_for(analyst)

    def shown(**filters):
        html = _stream(client, **filters)
        return {text for text in ("X2 leaks everywhere", "X2 arrived, lovely", "P1 charges fine")
                if text in html}

    assert len(shown()) == 3
    assert shown(watch=other.pk) == {"P1 charges fine"}
    assert shown(platform="weibo") == {"X2 leaks everywhere"}
    assert shown(sentiment="positive") == {"X2 arrived, lovely"}
    assert shown(language="en") == {"X2 arrived, lovely", "P1 charges fine"}
    assert shown(min_reach=900) == {"X2 leaks everywhere", "P1 charges fine"}
    assert shown(q="lovely") == {"X2 arrived, lovely"}


def test_a_bad_filter_is_a_400_naming_it(analyst):
    response = client_for(analyst).get(BOARD, {"min_reach": "many", "platform": "myspace"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<code>min_reach</code>" in html and "<code>platform</code>" in html


def test_the_mention_stream_is_paginated(analyst, watch):
    for n in range(30):
        make_mention(watch, text=f"Post number {n:02d}")
    html = _stream(client_for(analyst))
    assert "Post number 29" in html and "Post number 04" not in html
    assert "page=2" in html


# --- the chart data ------------------------------------------------------------------------

def test_the_series_sums_minutes_into_points_with_the_usual_band_and_level_flags(watch):
    now = datetime.datetime(2026, 11, 22, 9, 3, tzinfo=datetime.UTC)  # a Sunday, 09:03
    for minute, mentions, negative in ((0, 4, 1), (1, 6, 5), (2, 2, 2)):  # 09:00–09:02
        MentionBucket.objects.create(watch=watch, start=now.replace(minute=minute),
                                     mentions=mentions, negative=negative)
    MentionBucket.objects.create(watch=watch, start=now - datetime.timedelta(minutes=7),
                                 mentions=3, negative=0)  # 08:56: the point before
    MentionBucket.objects.create(watch=watch, start=now - datetime.timedelta(hours=25),
                                 mentions=99)  # outside the 24 hours
    Baseline.objects.create(watch=watch, hour_of_week=6 * 24 + 9, mean=1.0, variance=4.0,
                            samples=3)
    alert = make_alert(watch, level="orange", levels=[])
    AlertLevelChange.objects.create(alert=alert, level="red", at=now.replace(minute=2))

    series = watch_series(watch=watch, hours=24, now=now)

    assert series["step_minutes"] == 5
    assert len(series["t"]) == 24 * 12
    assert series["end"] == int(now.replace(minute=5).timestamp())  # the point now is in
    last, before = -1, -2
    assert series["t"][last] == int(now.replace(minute=0).timestamp())
    assert series["mentions"][last] == 12 and series["negative_share"][last] == round(8 / 12, 3)
    assert series["mentions"][before] == 3 and series["negative_share"][before] == 0
    assert series["negative_share"][0] is None  # no mentions: no share
    assert sum(series["mentions"]) == 15
    # Sunday 09:00: 1/min expected, variance 4/min → over 5 min 5 ± 2·√20
    assert series["band_high"][last] == round(5 + 2 * 20 ** 0.5, 2)
    assert series["band_low"][last] == 0  # never below zero
    assert series["band_high"][before] is None  # Sunday 08:00: no usual known
    assert series["markers"] == [{"t": int(now.replace(minute=2).timestamp()), "level": "red",
                                  "alert": alert.pk}]


def test_the_series_endpoint_answers_analysts_and_names_a_bad_hours(analyst, watch):
    url = reverse("api:watch-series", args=[watch.pk])
    client = client_for(analyst)
    body = client.get(url, {"hours": 48}).json()
    assert body["watch"] == watch.pk and body["step_minutes"] == 10 and len(body["t"]) == 288
    bad = client.get(url, {"hours": "a week"})
    assert bad.status_code == 400 and "hours" in bad.json()
    assert client.get(url, {"hours": 73}).status_code == 400
    assert client.get(reverse("api:watch-series", args=[987654])).status_code == 404
    assert client_for(UserFactory()).get(url).status_code == 403


# --- actions -------------------------------------------------------------------------------

def test_acknowledging_and_dismissing_go_through_the_services(analyst, watch):
    alert = make_alert(watch)
    client = client_for(analyst)

    response = client.post(reverse("monitoring-alert-acknowledge", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == analyst

    refused = client.post(reverse("monitoring-alert-dismiss", args=[alert.pk]),
                          {"reason": " ", "from": "alert"})
    assert refused.status_code == 400
    assert f'id="dismiss-{alert.pk}-error"' in refused.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == "acknowledged"

    client.post(reverse("monitoring-alert-dismiss", args=[alert.pk]),
                {"reason": "A parody account."})
    alert.refresh_from_db()
    assert alert.status == "dismissed" and alert.dismiss_reason == "A parody account."
    again = client.post(reverse("monitoring-alert-acknowledge", args=[alert.pk]))
    assert again.status_code == 302  # refused by its state: back with the reason


def test_one_click_opens_an_incident_from_an_alert_and_the_alert_page_links_it(analyst, watch):
    alert = make_alert(watch, evidence=[make_mention(watch, reach=7000, author_handle="@loud")])
    client = client_for(analyst)

    response = client.post(reverse("monitoring-alert-escalate", args=[alert.pk]),
                           {"incident": "new"})

    alert.refresh_from_db()
    assert alert.status == "escalated" and alert.incident is not None
    assert response.status_code == 302
    assert response["Location"] == alert.incident.get_absolute_url()
    page = client.get(reverse("monitoring-alert", args=[alert.pk])).content.decode()
    assert alert.incident.get_absolute_url() in page and alert.incident.reference in page
    room = client.get(alert.incident.get_absolute_url()).content.decode()
    assert 'id="evidence-panel"' in room and "@loud" in room
    assert f'id="series-{watch.pk}"' in room


def test_attaching_offers_only_incidents_one_manages(analyst, watch):
    alert = make_alert(watch)
    managed = IncidentFactory(title="Managed one")
    elsewhere = IncidentFactory(title="Somebody else's")
    manager = grant(analyst, MANAGE_INCIDENT, VIEW_EVERY)  # globally: every incident
    client = client_for(manager)
    board = client.get(BOARD).content.decode()
    assert "Managed one" in board
    # Nothing chosen for her: one click must not attach it to whichever incident came first.
    choices = board[board.index(f'id="attach-{alert.pk}"'):]
    assert choices.index('<option value="" selected>') < choices.index("Managed one")
    empty = client.post(reverse("monitoring-alert-escalate", args=[alert.pk]), {"incident": ""})
    assert empty.status_code == 400 and Alert.objects.get(pk=alert.pk).status == "open"

    plain = grant(UserFactory(), VIEW_ALERT, CHANGE_ALERT)
    refused = client_for(plain).post(reverse("monitoring-alert-escalate", args=[alert.pk]),
                                     {"incident": str(elsewhere.pk)})
    assert refused.status_code == 400
    assert Alert.objects.get(pk=alert.pk).status == "open"

    client.post(reverse("monitoring-alert-escalate", args=[alert.pk]),
                {"incident": str(managed.pk)})
    alert.refresh_from_db()
    assert alert.incident == managed and alert.status == "escalated"


def test_the_alert_page_shows_evidence_by_reach_terms_platforms_and_level_history(analyst,
                                                                                   watch):
    small = make_mention(watch, text="Mine leaked too", reach=30, author_handle="@small")
    big = make_mention(watch, text="X2 burned my desk", reach=2_100_000, author_followers=2_100_000,
                       author_handle="@bigaccount", url="https://x.example/1")
    alert = make_alert(watch, level="red", levels=["yellow", "orange", "red"],
                       evidence=[small, big], top_terms=["leak", "burn"],
                       top_platforms=[{"platform": "x", "count": 2}])

    html = client_for(analyst).get(reverse("monitoring-alert", args=[alert.pk])).content.decode()

    assert html.index("@bigaccount") < html.index("@small")
    assert "2.1M followers" in html and 'href="https://x.example/1"' in html
    assert "leak" in html and "X: 2" in html
    assert html.count("cd-level cd-level-") >= 4  # the alert's badge and three history rows
    assert client_for(analyst).get(reverse("monitoring-alert", args=[987654])).status_code == 404


def test_the_room_shows_no_evidence_panel_content_without_alerts_and_hides_alert_links(watch):
    incident = IncidentFactory()
    viewer = UserFactory()  # internal incident: anyone signed in may view it
    html = client_for(viewer).get(incident.get_absolute_url()).content.decode()
    assert "No alert is attached to this incident" in html
    alert = make_alert(watch, status="escalated", incident=incident,
                       evidence=[make_mention(watch, author_handle="@witness")])
    html = client_for(viewer).get(incident.get_absolute_url()).content.decode()
    assert "@witness" in html
    assert reverse("monitoring-alert", args=[alert.pk]) not in html  # no board right


def test_the_board_costs_the_same_queries_for_one_alert_or_many(analyst, watch):
    from tests.conftest import count_queries

    client = client_for(analyst)
    make_alert(watch, evidence=[make_mention(watch)], acknowledged_by=analyst,
               status="acknowledged")
    one = count_queries(lambda: client.get(BOARD))
    for n in range(4):
        other = make_watch(f"Watch {n}")
        make_alert(other, level="orange", evidence=[make_mention(other), make_mention(other)])
    many = count_queries(lambda: client.get(BOARD))
    assert many == one
