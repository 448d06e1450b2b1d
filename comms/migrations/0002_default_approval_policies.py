"""The shipped approval policies, and who may edit them or freeze publishing.

The data lives here, not imported from app code, so this migration means the same thing
forever. Names are stored in English and marked for the catalogs; pages translate them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils.translation import gettext_noop as _  # marked for the catalogs only

MANAGERS, LEGAL, EXECUTIVES, ADMINISTRATORS = (
    "Crisis managers", "Legal reviewers", "Executives", "Administrators")

LEAD = (_("Incident lead"), ["lead", "deputy"], MANAGERS, 30)
LEGAL_STAGE = (_("Legal review"), ["legal_reviewer"], LEGAL, 60)
EXECUTIVE_STAGE = (_("Executive sponsor"), ["executive_sponsor"], EXECUTIVES, 60)

# position, name, kinds, audience, from severity, stages in order
POLICIES = [
    (10, _("Internal memo: the incident lead"), ["internal_memo"], "internal", "", [LEAD]),
    (20, _("Regulator notice: legal, then the executive sponsor"), ["regulator_notice"],
     "any", "", [LEGAL_STAGE, EXECUTIVE_STAGE]),
    (30, _("Public on a high or critical incident: legal, then the executive sponsor"), [],
     "public", "high", [LEGAL_STAGE, EXECUTIVE_STAGE]),
    (40, _("Public: legal"), [], "public", "", [LEGAL_STAGE]),
]

# Administrators edit the policies; crisis managers (and administrators) may freeze all
# publishing (comms.permissions.FREEZE_PUBLISHING).
GRANTS = {
    ADMINISTRATORS: [f"{action}_{model}" for model in ("approvalpolicy", "approvalstage")
                     for action in ("add", "change", "delete", "view")]
                    + [f"view_{model}" for model in ("statement", "statementversion",
                                                     "reviewstage", "approvaldecision",
                                                     "statementcomment", "publication",
                                                     "publishingfreeze")]
                    + ["add_publishingfreeze"],
    MANAGERS: ["add_publishingfreeze"],
}


def create_defaults(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("teams", "Role")
    ApprovalPolicy = apps.get_model("comms", "ApprovalPolicy")
    ApprovalStage = apps.get_model("comms", "ApprovalStage")

    for group_name, codenames in GRANTS.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="comms",
                                                         codename__in=codenames))

    for position, name, kinds, audience, severity, stages in POLICIES:
        policy, created = ApprovalPolicy.objects.get_or_create(
            name=name, defaults={"position": position, "kinds": kinds, "audience": audience,
                                 "min_severity": severity})
        if not created:
            continue
        for number, (stage_name, role_codes, capability, sla) in enumerate(stages, start=1):
            stage = ApprovalStage.objects.create(
                policy=policy, position=number, name=stage_name, approvals_needed=1,
                sla_minutes=sla, capability=Group.objects.filter(name=capability).first())
            stage.roles.set(Role.objects.filter(code__in=role_codes))


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0001_initial"),
        ("teams", "0003_default_capabilities_and_roles"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
