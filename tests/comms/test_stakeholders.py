"""Stakeholder groups and contacts (issue 13): the shipped groups and rights, the contact
services' checks (per-channel addresses, one contact per email whatever its case), who may
do what on the pages and the API (403, not 404: contacts belong to no incident), what the
pages offer, and the API's filters. Each behaviour once."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from comms import stakeholder_services as services
from comms import stakeholders
from comms.models import Contact, StakeholderGroup
from comms.stakeholder_choices import Channel
from teams.choices import Capability
from tests.conftest import as_new_request, count_queries, join
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTACTS = "/api/contacts/"
GROUPS = "/api/stakeholder-groups/"


@pytest.fixture
def manager(db):
    return join(UserFactory(username="manager"), Capability.CRISIS_MANAGER)


@pytest.fixture
def comms_officer(db):
    return join(UserFactory(username="comms"), Capability.COMMUNICATIONS_OFFICER)


@pytest.fixture
def plain(db):
    return UserFactory(username="plain")


def group(code: str) -> StakeholderGroup:
    return StakeholderGroup.objects.get(code=code)


def add(manager, name: str, **fields) -> Contact:
    return services.contact_create(actor=manager, name=name, **fields)


# --- what migrate ships -------------------------------------------------------------------------

def test_the_default_groups_and_rights_exist_after_migrate(manager, comms_officer, plain):
    groups = {g.code: g for g in StakeholderGroup.objects.all()}

    assert list(groups) == ["customers", "employees", "media", "regulators", "investors",
                            "partners", "influencers", "affected-individuals"]
    assert [code for code, g in groups.items() if g.acknowledgement_required] == ["regulators"]
    assert groups["employees"].channels[0] == "in_app"
    assert groups["affected-individuals"].kind == "affected_individuals"
    with translation.override("zh-hant"):
        assert str(groups["media"]) == "媒體"  # stored in English, shown translated
    assert stakeholders.can_manage_contacts(manager)
    assert stakeholders.can_view_contacts(comms_officer)
    assert not stakeholders.can_manage_contacts(comms_officer)
    assert not stakeholders.can_view_contacts(plain)
    administrators = Group.objects.get(name=Capability.ADMINISTRATOR)
    assert administrators.permissions.filter(codename="change_stakeholdergroup").exists()


def test_a_group_refuses_unknown_or_repeated_channels():
    media = group("media")
    for channels, message in ((["email", "fax"], "Unknown channel: fax"),
                              (["email", "email"], "Each channel once"), ("email", "A list")):
        media.channels = channels
        with pytest.raises(ValidationError, match=message):
            media.clean()


# --- contacts: the services' checks --------------------------------------------------------------

@pytest.mark.parametrize(("channel", "good", "bad", "says"), [
    ("email", "desk@example.com", "desk@", "valid email address"),
    ("webhook", "https://hooks.example.com/x", "http://hooks.example.com/x", "https:// URL"),
    ("sms", "+886 912-345-678", "0912345678", "country code"),
])
def test_each_channel_address_is_checked_for_its_channel(manager, channel, good, bad, says):
    contact = add(manager, "Desk", addresses={channel: good})
    assert channel in contact.addresses

    with pytest.raises(ValidationError) as refused:
        services.contact_update(actor=manager, contact=contact, addresses={channel: bad})

    assert says in str(refused.value.message_dict["addresses"])
    assert f"{Channel(channel).label}: " in str(refused.value.message_dict["addresses"])  # words
    contact.refresh_from_db()
    assert contact.addresses[channel] == (good if channel != "sms" else "+886912345678")


@pytest.mark.parametrize("channel", ["in_app", "chat"])  # chat goes to the groups' rooms
def test_in_app_and_chat_are_no_address_a_contact_holds(manager, channel):
    with pytest.raises(ValidationError, match=f"{channel}: not a channel with addresses"):
        add(manager, "Desk", addresses={channel: "tgram://123:abc/456"})


def test_one_contact_per_email_whatever_its_case(manager):
    add(manager, "Amy Chen", email="Amy@Example.com")

    with pytest.raises(ValidationError) as refused:
        add(manager, "Amy again", email="amy@EXAMPLE.com")

    assert "Amy Chen already has this email address." in refused.value.message_dict["email"]
    assert Contact.objects.count() == 1


def test_only_those_who_manage_contacts_write_them(manager, comms_officer):
    contact = add(manager, "Amy Chen")

    with pytest.raises(PermissionDenied):
        services.contact_update(actor=comms_officer, contact=contact, is_active=False)
    contact.refresh_from_db()
    assert contact.is_active


# --- rights on the pages and the API ------------------------------------------------------------

def test_a_plain_user_gets_403_on_every_contact_page_and_route(client, api_client, manager,
                                                               plain):
    contact = add(manager, "Amy Chen", email="amy@example.com")
    client.force_login(plain)
    api = as_new_request(api_client, plain)

    for url in ("contact-list", "contact-create", "contact-import"):
        assert client.get(reverse(url)).status_code == 403, url
    assert client.get(reverse("contact-detail", args=[contact.pk])).status_code == 403
    assert client.post(reverse("contact-detail", args=[contact.pk]),
                       {"name": "Changed", "language": "en"}).status_code == 403
    assert api.get(CONTACTS).status_code == 403
    assert api.get(f"{CONTACTS}{contact.pk}/").status_code == 403
    assert api.post(CONTACTS, {"name": "New"}, format="json").status_code == 403
    assert api.patch(f"{CONTACTS}{contact.pk}/", {"name": "X"},
                     format="json").status_code == 403
    assert Contact.objects.get().name == "Amy Chen"
    assert Contact.objects.count() == 1
    # The groups hold no personal data: they may see those.
    assert client.get(reverse("stakeholder-group-list")).status_code == 200
    assert api.get(GROUPS).status_code == 200


def test_those_who_view_contacts_are_offered_no_writes(client, manager, comms_officer):
    contact = add(manager, "Amy Chen", email="amy@example.com")
    client.force_login(comms_officer)

    listing = client.get(reverse("contact-list")).content.decode()
    detail = client.get(reverse("contact-detail", args=[contact.pk])).content.decode()

    assert "Amy Chen" in listing
    assert reverse("contact-create") not in listing and reverse("contact-import") not in listing
    assert "amy@example.com" in detail and "<form method=\"post\" class=\"card\"" not in detail
    assert client.get(reverse("contact-create")).status_code == 403


def test_a_manager_adds_and_deactivates_a_contact_on_the_pages(client, manager):
    client.force_login(manager)
    listing = client.get(reverse("contact-list")).content.decode()
    assert reverse("contact-create") in listing and reverse("contact-import") in listing

    added = client.post(reverse("contact-create"), {
        "name": "陳大文", "email": "chan@example.com", "phone": "+852 2345 6789",
        "language": "zh-hant", "groups": [group("media").pk], "is_active": "on",
        "address_webhook": "https://hooks.example.com/chan"})
    contact = Contact.objects.get()
    refused = client.post(reverse("contact-detail", args=[contact.pk]), {
        "name": "陳大文", "language": "zh-hant", "address_webhook": "http://insecure"})
    saved = client.post(reverse("contact-detail", args=[contact.pk]), {
        "name": "陳大文", "email": "chan@example.com", "language": "zh-hant",
        "groups": [group("media").pk]})

    assert added.status_code == 302
    assert refused.status_code == 400 and "https:// URL" in refused.content.decode()
    assert saved.status_code == 302
    contact.refresh_from_db()
    assert (contact.phone, contact.is_active, contact.addresses) == ("", False, {})


def test_the_groups_page_counts_active_contacts_for_those_who_view_them(client, manager,
                                                                        plain):
    add(manager, "Amy", groups=[group("media")])
    add(manager, "Bob", groups=[group("media")], is_active=False)

    client.force_login(manager)
    counted = client.get(reverse("stakeholder-group-list")).content.decode()
    client.force_login(plain)
    uncounted = client.get(reverse("stakeholder-group-list")).content.decode()

    assert "Active contacts" in counted and "Active contacts" not in uncounted
    assert 'data-label="Active contacts">1<' in counted
    # Channels named in words, in the order they are tried, not as codes.
    employees = " → ".join(str(Channel(code).label) for code in group("employees").channels)
    assert "In-app notice" in employees and employees in uncounted and "in_app" not in uncounted


# --- the API ------------------------------------------------------------------------------------

def test_the_api_filters_contacts_by_group_active_and_search(api_client, manager,
                                                             comms_officer):
    add(manager, "Amy Chen", organisation="Daily Post", groups=[group("media")])
    add(manager, "Bob Lee", email="bob@supplies.example", groups=[group("partners")])
    add(manager, "Carol Wu", groups=[group("media"), group("investors")], is_active=False)
    api = as_new_request(api_client, comms_officer)

    def names(query: str) -> list[str]:
        response = api.get(f"{CONTACTS}?{query}")
        assert response.status_code == 200, response.json()
        return [c["name"] for c in response.json()["results"]]

    assert names(f"group={group('media').pk}") == ["Amy Chen", "Carol Wu"]
    assert names(f"group={group('media').pk}&active=true") == ["Amy Chen"]
    assert names("active=false") == ["Carol Wu"]
    assert names("q=daily") == ["Amy Chen"]
    assert names("q=SUPPLIES") == ["Bob Lee"]
    assert api.get(f"{CONTACTS}?group=x").status_code == 400


def test_the_api_creates_patches_and_never_deletes(api_client, manager):
    api = as_new_request(api_client, manager)

    created = api.post(CONTACTS, {"name": "Amy", "email": "amy@example.com",
                                  "groups": [group("media").pk],
                                  "addresses": {"sms": "+886 912 345 678"}}, format="json")
    pk = created.json()["id"]
    duplicate = api.post(CONTACTS, {"name": "Amy 2", "email": "AMY@example.com"},
                         format="json")
    bad = api.patch(f"{CONTACTS}{pk}/", {"addresses": {"webhook": "http://x.example"},
                                         "groups": [999999]}, format="json")
    off = api.patch(f"{CONTACTS}{pk}/", {"active": False}, format="json")
    delete = api.delete(f"{CONTACTS}{pk}/")

    assert created.status_code == 201
    assert created.json()["addresses"] == {"sms": "+886912345678"}
    assert created.json()["groups"][0]["code"] == "media"
    assert duplicate.status_code == 400 and "email" in duplicate.json()
    assert bad.status_code == 400 and set(bad.json()) == {"addresses", "groups"}
    assert off.status_code == 200 and off.json()["active"] is False
    assert delete.status_code == 405
    assert Contact.objects.filter(pk=pk, is_active=False).count() == 1


def test_the_groups_api_lists_each_group_in_the_readers_language(api_client, plain):
    api = as_new_request(api_client, plain)

    response = api.get(GROUPS, HTTP_ACCEPT_LANGUAGE="zh-hant")

    regulators = next(g for g in response.json()["results"] if g["code"] == "regulators")
    assert regulators["name"] == "主管機關／政府"
    assert regulators["acknowledgement_required"] is True
    assert regulators["kind"] == "regulators"


def test_the_contact_lists_read_a_fixed_number_of_queries(client, api_client, manager):
    client.force_login(manager)
    add(manager, "Amy", groups=[group("media")])

    def both():
        api = as_new_request(api_client, manager)  # no permission cache left from before
        return (count_queries(lambda: client.get(reverse("contact-list"))),
                count_queries(lambda: api.get(CONTACTS)))

    few = both()
    for n in range(5):
        add(manager, f"Person {n}", email=f"p{n}@example.com",
            groups=[group("media"), group("customers")])
    assert both() == few


def test_the_account_menu_offers_contacts_only_to_those_who_may_view_them(client, admin):
    from django.urls import reverse

    from tests.teams.factories import UserFactory

    client.force_login(admin)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("contact-list")}"' in page
    client.force_login(UserFactory(username="plain"))
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("contact-list")}"' not in page
    assert f'href="{reverse("stakeholder-group-list")}"' in page
