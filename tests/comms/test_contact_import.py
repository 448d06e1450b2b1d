"""Importing contacts from CSV (issue 13): encodings, header guessing (English and
Chinese), duplicates by email updating, broken rows skipped and reported by row number,
the limits, a malformed body writing nothing, and the page wizard. Each behaviour once."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comms import contact_import
from comms.models import Contact, StakeholderGroup
from comms.stakeholder_services import contact_create
from teams.choices import Capability
from tests.conftest import as_new_request, join
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
IMPORT = "/api/contacts/import/"


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    if content is None:
        content = (DATA / name).read_bytes()
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def manager(db):
    return join(UserFactory(username="manager"), Capability.CRISIS_MANAGER)


@pytest.fixture
def api(api_client, manager):
    return as_new_request(api_client, manager)


@pytest.fixture(autouse=True)
def own_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the wizard keeps uploads under it


# --- encodings ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "encoding", "people"), [
    ("contacts_utf8.csv", "UTF-8", {"Amy Chen": "Daily Post", "周杰": "周氏投資"}),
    ("contacts_utf8_bom.csv", "UTF-8", {"王小明": "北京日报", "李华": "上海证券交易所"}),
    ("contacts_gb18030.csv", "GB18030", {"王小明": "北京日报", "张伟": "深圳供应链公司"}),
    ("contacts_big5.csv", "Big5", {"陳大文": "臺灣日報", "林美玲": "國家通訊傳播委員會"}),
])
def test_each_encoding_is_detected_and_chinese_names_round_trip(api, name, encoding, people):
    response = api.post(IMPORT, {"file": upload(name)}, format="multipart")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["encoding"] == encoding
    assert (body["created"], body["updated"], body["skipped"], body["errors"]) == (3, 0, 0, [])
    for person, organisation in people.items():
        assert Contact.objects.get(name=person).organisation == organisation
    # The group column names groups in the file's own language or by code.
    first = Contact.objects.order_by("pk").first()
    assert first.groups.exists()


def test_a_file_in_no_known_encoding_is_refused_naming_the_encoding(api):
    undecodable = ("名前,メール\n".encode("shift_jis") + bytes(range(0x80, 0x100)) * 8)

    response = api.post(IMPORT, {"file": upload("x.csv", undecodable)}, format="multipart")
    chosen = api.post(IMPORT, {"file": upload("contacts_big5.csv"), "encoding": "utf-8"},
                      format="multipart")

    assert response.status_code == 400
    assert "not UTF-8, GB18030 or Big5" in response.json()["encoding"][0]
    utf16 = api.post(IMPORT, {"file": upload("w.csv", "Name\n陳大文\n".encode("utf-16"))},
                     format="multipart")

    assert chosen.status_code == 400
    assert "not valid UTF-8" in chosen.json()["encoding"][0]
    assert utf16.status_code == 400 and "UTF-16" in utf16.json()["encoding"][0]
    assert not Contact.objects.exists()


# --- headers ------------------------------------------------------------------------------------

def test_headers_are_guessed_in_english_traditional_and_simplified_chinese():
    assert contact_import.guess_mapping(
        ["姓名", "電子郵件", "電話", "機構", "語言", "群組", "備註"]) == {
        "name": "姓名", "email": "電子郵件", "phone": "電話", "organisation": "機構",
        "language": "語言", "groups": "群組"}
    assert contact_import.guess_mapping(["名称", "电子邮件", "电话", "机构", "语言", "群组"]) == {
        "name": "名称", "email": "电子邮件", "phone": "电话", "organisation": "机构",
        "language": "语言", "groups": "群组"}
    assert contact_import.guess_mapping(
        ["Full Name", "E-mail", "Mobile", "Company", "Webhook URL", "Notes"]) == {
        "name": "Full Name", "email": "E-mail", "phone": "Mobile", "organisation": "Company",
        "webhook": "Webhook URL"}


# --- rows ---------------------------------------------------------------------------------------

def test_a_known_email_in_any_case_updates_the_contact_instead_of_adding_one(api, manager):
    amy = contact_create(actor=manager, name="A. Chen", email="AMY@Example.com",
                         organisation="Old Paper", addresses={"sms": "+886912345678"})
    csv = (b"Name,Email,Organisation,Webhook\n"
           b"Amy Chen,amy@example.COM,Daily Post,https://hooks.example.com/amy\n"
           b"Amy Chen again,Amy@Example.com,,\n")

    response = api.post(IMPORT, {"file": upload("amy.csv", csv)}, format="multipart")

    body = response.json()
    assert (body["created"], body["updated"], body["skipped"]) == (0, 2, 0)
    assert Contact.objects.count() == 1
    amy.refresh_from_db()
    # The last row wins; an empty cell keeps what was there; addresses are merged.
    assert (amy.name, amy.organisation) == ("Amy Chen again", "Daily Post")
    assert amy.addresses == {"sms": "+886912345678",
                             "webhook": "https://hooks.example.com/amy"}


def test_the_preview_flags_a_nameless_row_the_import_would_skip(manager):
    """A row without a name only updates: the preview showed it as fine when no contact had
    its email, then the import skipped it."""
    contact_create(actor=manager, name="Amy Chen", email="amy@example.com")
    table = contact_import.load(b"Name,Email\n"
                                b",AMY@example.com\n"  # updates Amy
                                b",nobody@example.com\n"  # would be skipped
                                b"Bo Li,bo@example.com\n"  # created...
                                b",BO@example.com\n")  # ...so this one updates him
    rows = contact_import.preview(table, contact_import.check_mapping(
        {"name": "Name", "email": "Email"}, table.headers))
    flagged = {row.number: [e.field for e in row.errors] for row in rows if row.errors}
    assert flagged == {3: ["name"]}
    result = contact_import.run(actor=manager, table=table, columns=contact_import.check_mapping(
        {"name": "Name", "email": "Email"}, table.headers))
    assert [(e.row, e.field) for e in result.errors] == [(3, "name")]


def test_a_broken_row_is_skipped_and_reported_by_row_number_while_the_others_import(api):
    response = api.post(IMPORT, {"file": upload("contacts_broken.csv")}, format="multipart")

    body = response.json()
    assert response.status_code == 200
    assert (body["created"], body["updated"], body["skipped"]) == (2, 0, 1)
    assert {(e["row"], e["field"]) for e in body["errors"]} == {
        (3, "email"), (3, "phone"), (3, "groups")}
    assert "nobody-knows" in next(e["message"] for e in body["errors"]
                                  if e["field"] == "groups")
    assert set(Contact.objects.values_list("name", flat=True)) == {"Amy Chen", "Carol Wu"}
    assert list(Contact.objects.get(name="Carol Wu").groups.values_list("code", flat=True)) \
        == ["customers"]


def test_an_import_that_fails_while_writing_writes_nothing(api, monkeypatch):
    from django.db import IntegrityError

    from comms import stakeholder_services

    def clash(chosen):
        raise IntegrityError("UNIQUE constraint failed: contact_email_unique_ci")

    monkeypatch.setattr(stakeholder_services, "_set_groups", clash)

    response = api.post(IMPORT, {"file": upload("contacts_utf8.csv")}, format="multipart")

    assert response.status_code == 400
    assert "nothing was imported" in response.json()["file"][0]
    assert not Contact.objects.exists()


def test_rows_are_numbered_as_a_spreadsheet_shows_them(api):
    csv = (b'Name,Email,Organisation\n"Amy Chen",amy@example.com,"Daily\nPost"\n\n'
           b"Bad Row,not-an-email,\n")

    response = api.post(IMPORT, {"file": upload("lines.csv", csv)}, format="multipart")

    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(4, "email")]
    assert Contact.objects.get().organisation == "Daily\nPost"


# --- limits and a malformed body ------------------------------------------------------------------

def test_a_file_too_large_or_with_too_many_rows_is_refused(api):
    too_large = b"Name\n" + b"x" * (contact_import.MAX_BYTES + 1)
    too_many = ("Name,Email\n" + "".join(f"P{i},p{i}@example.com\n"
                                         for i in range(contact_import.MAX_ROWS + 1))).encode()
    assert len(too_many) < contact_import.MAX_BYTES

    large = api.post(IMPORT, {"file": upload("large.csv", too_large)}, format="multipart")
    many = api.post(IMPORT, {"file": upload("many.csv", too_many)}, format="multipart")

    assert large.status_code == 400 and "at most 2.0 MB" in large.json()["file"][0]
    assert many.status_code == 400 and "more than 20,000" in many.json()["file"][0]
    assert not Contact.objects.exists()


def test_a_quote_left_open_refuses_the_file_naming_the_row(api):
    text = 'Name,Email\nAmy,amy@example.com\n"Bob,bob@example.com\nCarol,carol@example.com\n'

    response = api.post(IMPORT, {"file": upload("open.csv", text.encode())}, format="multipart")

    assert response.status_code == 400
    assert response.json()["file"] == ["Row 3 cannot be read as CSV: unexpected end of data"]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({}, "file"),
    ({"mapping": "{not json"}, "mapping"),
    ({"mapping": '{"name": "Surname"}'}, "mapping"),  # no such column
    ({"mapping": '{"name": "Name", "email": "Name"}'}, "mapping"),  # one column twice
    ({"mapping": '{"salary": "Name"}'}, "mapping"),
    ({"mapping": '{"phone": "Phone"}'}, "mapping"),  # neither names nor emails
    ({"encoding": "latin-1"}, "encoding"),
    ({"extra": "1"}, "extra"),
])
def test_a_malformed_body_is_a_400_naming_the_field_and_writes_nothing(api, body, field):
    if field != "file":
        body["file"] = upload("contacts_broken.csv")

    response = api.post(IMPORT, body, format="multipart")

    assert response.status_code == 400
    assert field in response.json()
    assert not Contact.objects.exists()


def test_a_plain_user_may_not_import(api_client):
    plain = as_new_request(api_client, UserFactory(username="plain"))

    response = plain.post(IMPORT, {"file": upload("contacts_utf8.csv")}, format="multipart")

    assert response.status_code == 403
    assert not Contact.objects.exists()


# --- the wizard ---------------------------------------------------------------------------------

def test_the_wizard_uploads_guesses_previews_imports_and_reports_the_skipped_rows(client,
                                                                                    manager):
    client.force_login(manager)

    uploaded = client.post(reverse("contact-import"),
                           {"file": upload("contacts_broken.csv"), "encoding": "auto"})
    assert uploaded.status_code == 302
    columns = client.get(reverse("contact-import-columns"))
    assert columns.status_code == 200
    page = columns.content.decode()
    assert 'value="Email" selected' in page  # guessed
    assert "not-an-email" in page and "Email: Enter a valid email address." in page  # preview
    assert not Contact.objects.exists()  # a preview writes nothing

    done = client.post(reverse("contact-import-columns"), {
        "step": "import", "name": "Name", "email": "Email", "phone": "Phone",
        "groups": "Groups"}, follow=True)
    assert "2 created, 0 updated, 1 skipped" in done.content.decode()
    report = client.get(reverse("contact-import-errors"))
    assert report["Content-Type"].startswith("text/csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,field,message"
    assert [line.split(",")[:2] for line in lines[1:]] == [  # fields in words, not codes
        ["3", "Email"], ["3", "Phone"], ["3", "Groups"]]
    assert Contact.objects.count() == 2


def test_the_wizard_checks_the_posted_mapping_against_the_file(client, manager):
    client.force_login(manager)
    client.post(reverse("contact-import"), {"file": upload("contacts_utf8.csv"),
                                            "encoding": "auto"})

    response = client.post(reverse("contact-import-columns"),
                           {"step": "import", "name": "Surname"})
    twice = client.post(reverse("contact-import-columns"),
                        {"step": "import", "name": "Name", "organisation": "Name"})

    assert response.status_code == 400  # not one of the file's headers
    assert twice.status_code == 400
    assert "is given to both" in twice.content.decode()
    assert not Contact.objects.exists()


def test_the_wizard_names_an_undecodable_file_on_the_upload_page(client, manager):
    client.force_login(manager)

    response = client.post(reverse("contact-import"), {
        "file": upload("contacts_gb18030.csv"), "encoding": "big5"})

    assert response.status_code == 400
    assert "The file is not valid Big5" in response.content.decode()


def test_another_session_cannot_continue_someone_elses_upload(client, manager):
    client.force_login(manager)
    client.post(reverse("contact-import"), {"file": upload("contacts_utf8.csv"),
                                            "encoding": "auto"})
    other = join(UserFactory(username="other-manager"), Capability.CRISIS_MANAGER)
    client.force_login(other)  # a new session: it holds no upload

    response = client.get(reverse("contact-import-columns"))

    assert response.status_code == 302 and response.url == reverse("contact-import")
    for step in ("contact-import-done", "contact-import-errors"):
        assert client.get(reverse(step)).url == reverse("contact-import")
    assert StakeholderGroup.objects.exists()
