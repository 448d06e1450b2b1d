"""Demo statements, one in each state, on the X2 incident of the demo data: seeded through
``comms.services`` (so versions, decisions, timeline entries and notifications are real)
when ``seed_demo`` has made the demo incidents (``teams.management.commands.seed_demo
.demo_incidents_seeded``, connected in ``CommsConfig.ready()``)."""

from crisis.models import Incident
from teams.management.commands.seed_demo import demo_incidents_seeded
from teams.models import User

from . import services
from .delivery_services import statement_publish_to
from .models import StakeholderGroup

X2 = "Overheating reports on the X2 power bank"

FRAME = {
    "what_happened": "Some X2 power banks from production batch 2406 can swell and overheat "
                     "while charging.",
    "when": "The first reports reached us this morning; we confirmed two cases at 11:40.",
    "where": "X2 units sold in Taiwan, Hong Kong and mainland China since June.",
    "who_is_affected": "Owners of X2 power banks with a serial number starting with 2406.",
    "why": "Our engineers are testing returned units; we do not yet know the cause.",
    "what_we_do": "We have paused X2 sales in our own shops and are investigating with the "
                  "highest priority.",
}


def _user(username: str) -> User:
    return User.objects.get(username=username)  # fresh: permission caches live on it


def seed_statements(incident: Incident) -> None:
    """Draft, in review with legal (after one round of changes, so legal sees a diff),
    approved, published and rejected statements on ``incident``."""
    def create(kind, title, body, language="en", **frame):
        return services.statement_create(actor=_user("comms"), incident=incident, kind=kind,
                                         language=language, title=title, body=body,
                                         **{**FRAME, **frame})

    published = create("holding", "Holding statement on X2 overheating reports",
                       "We are aware of reports that some X2 power banks overheat while "
                       "charging. Your safety comes first: until we know more, please stop "
                       "charging X2 units with a serial number starting with 2406. We will "
                       "update you by 18:00.")
    services.statement_submit(actor=_user("comms"), statement=published)
    services.statement_decide(actor=_user("legal"), statement=published, version=1,
                              decision="approve")
    services.statement_decide(actor=_user("exec"), statement=published, version=1,
                              decision="approve")
    # Published to the status page and, as in-app notices, to the staff on the incident
    # (the employees group): a delivered publication to look at.
    statement_publish_to(actor=_user("comms"), statement=published,
                         groups=StakeholderGroup.objects.filter(code="employees")
                         .values_list("pk", flat=True), channels=["in_app"])

    memo = services.statement_create(
        actor=_user("comms"), incident=incident, kind="internal_memo", language="en",
        title="To all staff: X2 power bank reports", audience=["employees"],
        body="Please do not comment on the X2 reports in public. Refer media enquiries to "
             "Corporate Communications and customers to the hotline's approved answer.",
        **FRAME)
    services.statement_submit(actor=_user("comms"), statement=memo)
    services.statement_decide(actor=_user("lead"), statement=memo, version=1, decision="approve")

    in_review = create("customer_notice", "X2 power bank: stop charging and free replacement",
                       "Dear customer, if your X2 power bank's serial number starts with "
                       "2406, please stop charging it. We will replace it.")
    services.statement_submit(actor=_user("comms"), statement=in_review)
    services.statement_decide(actor=_user("legal"), statement=in_review, version=1,
                              decision="request_changes",
                              comment="Do not promise a replacement before engineering has "
                                      "confirmed the cause; offer a free safety check.")
    services.statement_edit(actor=_user("comms"), statement=in_review,
                            body="Dear customer, if your X2 power bank's serial number starts "
                                 "with 2406, please stop charging it and bring it to any of "
                                 "our shops for a free safety check.", **FRAME)
    services.statement_submit(actor=_user("comms"), statement=in_review)

    rejected = create("social_post", "X2: it's safe, keep charging",
                      "Our X2 is perfectly safe. Keep charging!",
                      variants={"social": "Our X2 is perfectly safe. Keep charging! #X2"})
    services.statement_submit(actor=_user("comms"), statement=rejected)
    services.statement_decide(actor=_user("legal"), statement=rejected, version=1,
                              decision="reject",
                              comment="We cannot say it is safe while we investigate two "
                                      "confirmed cases.")

    create("holding", "關於 X2 行動電源過熱報導的聲明",
           "我們已注意到有關 X2 行動電源充電時過熱的報導，並正緊急了解相關情況。在查明原因之前，"
           "請暫停為序號以 2406 開頭的 X2 充電。我們將於今日 18:00 前發布下一次更新。",
           language="zh-hant",
           what_happened="部分 2406 批次的 X2 行動電源在充電時可能膨脹、過熱。",
           when="今天上午接獲首批通報，11:40 確認兩起個案。",
           where="自六月起於台灣、香港及中國大陸銷售的 X2。",
           who_is_affected="序號以 2406 開頭的 X2 行動電源用戶。",
           why="工程團隊正在檢測退回的產品，目前原因尚未查明。",
           what_we_do="我們已暫停自營門市的 X2 銷售，並以最優先處理調查。")


# name, organisation, email, phone, language, groups (codes)
CONTACTS = [
    ("Lin Mei-hua", "Consumer Protection Committee, Executive Yuan", "cpc@gov.example.tw",
     "+886 2 2316 8888", "zh-hant", ["regulators"]),
    ("陳建國", "經濟部標準檢驗局", "bsmi@gov.example.tw", "+886 2 2343 1700", "zh-hant",
     ["regulators"]),
    ("王丽", "上海市市场监督管理局", "samr-sh@gov.example.cn", "+86 21 6432 0000", "zh-hans",
     ["regulators"]),
    ("Hannah Cole", "TechDaily", "desk@techdaily.example", "+852 2111 0000", "en", ["media"]),
    ("張雅婷", "聯合新聞網", "news@udn.example", "+886 2 8692 5588", "zh-hant", ["media"]),
    ("Omar Haddad", "Northwind Retail", "buying@northwind.example", "+65 6123 4567", "en",
     ["partners"]),
    ("Grace Ho", "X2 owners' club", "grace.ho@example.com", "+852 9123 4567", "en",
     ["customers", "affected-individuals"]),
]


def seed_contacts() -> None:
    """A few contacts in each kind of group, in English and both Chinese scripts."""
    from .models import StakeholderGroup
    from .stakeholder_services import contact_create

    groups = {group.code: group for group in StakeholderGroup.objects.all()}
    admin = _user("admin")
    for name, organisation, email, phone, language, codes in CONTACTS:
        contact_create(actor=admin, name=name, organisation=organisation, email=email,
                       phone=phone, language=language,
                       groups=[groups[code] for code in codes if code in groups])


def on_demo_incidents_seeded(sender, **kwargs) -> None:
    incident = Incident.objects.filter(title__startswith=X2).first()
    if incident is not None and not incident.statements.exists():
        seed_statements(incident)
    from .models import Contact

    if not Contact.objects.exists():
        seed_contacts()


def register() -> None:
    demo_incidents_seeded.connect(on_demo_incidents_seeded, dispatch_uid="comms.demo")
