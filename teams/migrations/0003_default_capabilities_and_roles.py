"""Default capabilities (Django groups), incident roles and team policies.

The data lives here, not imported from app code, so this migration means the same thing
forever. Names are stored in English and marked for the catalogs; pages translate them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils.translation import gettext_noop as _  # marked for the catalogs only

VIEW, EDIT, CONTRIBUTE, TEAM = ("view_incident", "change_incident", "contribute_incident",
                                "manage_team")
DRAFT, APPROVE, PUBLISH = "draft_statement", "approve_statement", "publish_statement"
STAKEHOLDERS, REVIEW = "manage_stakeholders", "edit_review"
ALL_RIGHTS = [VIEW, EDIT, CONTRIBUTE, TEAM, DRAFT, APPROVE, PUBLISH, STAKEHOLDERS, REVIEW]
VIEW_RESTRICTED, VIEW_EVERY = "view_restricted_incident", "view_every_incident"

ANALYSTS, MANAGERS = "Monitoring analysts", "Crisis managers"
COMMS, LEGAL, EXECUTIVES = "Communications officers", "Legal reviewers", "Executives"
AUDITORS, ADMINISTRATORS = "Auditors", "Administrators"

# Global rights per capability, as (app_label, codename).
CRISIS_MODELS = ["incident", "timelineentry", "task", "checklistitem", "taskcomment",
                 "incidenttype", "playbook", "tasktemplate", "liveevent"]
TEAMS_MODELS = ["department", "dutyshift", "role", "rolepolicy", "roleassignment"]
CAPABILITIES = {
    ANALYSTS: [("crisis", "add_incident")],
    MANAGERS: [("crisis", "add_incident"), ("crisis", VIEW_RESTRICTED),
               ("teams", "add_dutyshift"), ("teams", "change_dutyshift"),
               ("teams", "delete_dutyshift")],
    COMMS: [],
    LEGAL: [],
    EXECUTIVES: [("crisis", VIEW_RESTRICTED)],
    AUDITORS: [("crisis", VIEW_RESTRICTED)]
              + [("crisis", f"view_{model}") for model in CRISIS_MODELS]
              + [("teams", f"view_{model}") for model in TEAMS_MODELS],
    ADMINISTRATORS: [("crisis", "add_incident"), ("crisis", VIEW_EVERY)]
                    + [("crisis", right) for right in ALL_RIGHTS]
                    + [("crisis", f"{action}_{model}") for model in ("incidenttype", "playbook",
                                                                     "tasktemplate")
                       for action in ("add", "change", "delete", "view")]
                    + [("teams", f"{action}_{model}") for model in TEAMS_MODELS
                       for action in ("add", "change", "view")]
                    + [("teams", "delete_dutyshift"), ("teams", "delete_rolepolicy")],
}

# code, name, description, rights, one holder, per department, suggested capability
ROLES = [
    ("lead", _("Incident lead"),
     _("Runs the response: classifies and escalates, assembles the team, drives the "
       "checklist and decides. Exactly one at a time."),
     [VIEW, EDIT, CONTRIBUTE, TEAM, DRAFT, PUBLISH, STAKEHOLDERS, REVIEW], True, False, MANAGERS),
    ("deputy", _("Deputy lead"),
     _("Stands in for the lead and takes over on hand-over."),
     [VIEW, EDIT, CONTRIBUTE, TEAM, DRAFT, STAKEHOLDERS, REVIEW], False, False, MANAGERS),
    ("spokesperson", _("Spokesperson"),
     _("The one public voice: drafts and delivers statements, answers the media."),
     [VIEW, CONTRIBUTE, DRAFT, PUBLISH], False, False, COMMS),
    ("legal_reviewer", _("Legal reviewer"),
     _("Reviews every public statement before it goes out; approves, rejects or asks for "
       "changes."),
     [VIEW, CONTRIBUTE, APPROVE], False, False, LEGAL),
    ("communications_officer", _("Communications officer"),
     _("Drafts statements from templates, keeps stakeholder groups informed on their "
       "channels."),
     [VIEW, CONTRIBUTE, DRAFT, PUBLISH, STAKEHOLDERS], False, False, COMMS),
    ("scribe", _("Scribe"),
     _("Keeps the timeline: records facts, decisions and key moments as they happen."),
     [VIEW, CONTRIBUTE], False, False, None),
    ("liaison", _("Department liaison"),
     _("Speaks for a department: takes its tasks, posts its updates, answers its "
       "stakeholders' inquiries."),
     [VIEW, CONTRIBUTE], False, True, None),
    ("executive_sponsor", _("Executive sponsor"),
     _("The executive accountable for the response; approves statements at the executive "
       "stage and receives the review."),
     [VIEW, CONTRIBUTE, APPROVE], False, False, EXECUTIVES),
    ("observer", _("Observer"),
     _("Follows the incident without working on it."),
     [VIEW], False, False, None),
]

# incident type code (None: every type), from severity, role code, department kind
POLICIES = [
    (None, "high", "communications_officer", ""),
    (None, "critical", "legal_reviewer", ""),
    (None, "critical", "executive_sponsor", ""),
    ("product_quality", "critical", "liaison", "customer_service"),
    ("data_breach", "high", "legal_reviewer", ""),
    ("data_breach", "high", "liaison", "technology"),
    ("service_failure", "high", "liaison", "technology"),
    ("service_failure", "high", "liaison", "customer_service"),
    ("conduct", "high", "liaison", "hr"),
    ("legal_regulatory", "medium", "legal_reviewer", ""),
]


def create_defaults(apps, schema_editor):
    # Permissions are normally made after migrating; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("teams", "Role")
    RolePolicy = apps.get_model("teams", "RolePolicy")
    IncidentType = apps.get_model("crisis", "IncidentType")

    def permission(app_label, codename):
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    groups = {}
    for name, rights in CAPABILITIES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*(permission(app, codename) for app, codename in rights))
        groups[name] = group

    for position, (code, name, description, rights, single, per_department,
                   capability) in enumerate(ROLES):
        role, created = Role.objects.get_or_create(
            code=code, defaults={"name": name, "description": description,
                                 "single_holder": single, "per_department": per_department,
                                 "capability": groups.get(capability),
                                 "position": (position + 1) * 10})
        if created:
            role.permissions.set([permission("crisis", codename) for codename in rights])

    for type_code, severity, role_code, department_kind in POLICIES:
        incident_type = (IncidentType.objects.filter(code=type_code).first()
                         if type_code else None)
        if type_code and incident_type is None:
            continue
        RolePolicy.objects.get_or_create(
            incident_type=incident_type, min_severity=severity,
            role=Role.objects.get(code=role_code), department_kind=department_kind)


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0002_roles_roster_and_incident_rights"),
        ("crisis", "0005_incident_rights"),
        ("crisis", "0003_default_types_and_playbooks"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
