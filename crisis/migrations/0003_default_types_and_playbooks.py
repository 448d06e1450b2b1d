"""Default incident types and playbooks (admins edit them afterwards).

The data lives here, not imported from app code, so this migration means the same
thing forever. It is stored in English; the strings are marked so the catalogs carry
their translations, and pages show shipped text translated (see crisis_ui `shipped`).
"""

from django.db import migrations
from django.utils.translation import gettext_noop as _  # marked for the catalogs only

TYPES = [
    ("product_quality", _("Product quality / safety"),
     _("Defects, contamination, injuries or recalls involving what we sell.")),
    ("service_failure", _("Service failure"), _("Outages, delays or breakdowns customers notice.")),
    ("data_breach", _("Data or security breach"),
     _("Personal data exposed, systems compromised, ransomware.")),
    ("conduct", _("Employee or executive conduct"),
     _("Misconduct, harassment, offensive statements by our people.")),
    ("misinformation", _("Misinformation / rumour"), _("False claims about us spreading online.")),
    ("marketing_misstep", _("Marketing misstep"), _("A campaign, post or advert that offends.")),
    ("legal_regulatory", _("Legal / regulatory"),
     _("Lawsuits, investigations, fines or regulatory action.")),
    ("external_event", _("External event / disaster"),
     _("Natural disasters, accidents or events around us that affect people or operations.")),
    ("other", _("Other"), _("Anything that fits no other type.")),
]

LOW, MEDIUM, HIGH, CRITICAL = "low", "medium", "high", "critical"

# (title, guidance, min severity, due after minutes, responsible role, department, checklist)
GENERAL = [
    (_("Assemble the crisis team"),
     _("Call in the lead, spokesperson, legal and the liaisons the incident needs; agree the "
     "channel and the next check-in."), LOW, 30, _("Incident lead"), "", []),
    (_("Verify the facts (5W1H)"),
     _("Establish what happened, when, where, who is involved, why and how; separate "
     "confirmed facts from claims and record sources in the timeline."), LOW, 60,
     _("Incident lead"), "",
     [_("What happened"), _("When"), _("Where"), _("Who is affected"), _("Why"), _("How we know")]),
    (_("Monitor sentiment and volume"),
     _("Watch mentions, sentiment and reach on the affected channels; post a short update "
     "to the timeline every two hours."), LOW, 120, _("Monitoring analyst"), "communications",
     []),
    (_("Brief legal on exposure"),
     _("Share the verified facts with legal; agree what may and may not be said publicly."),
     MEDIUM, 60, _("Legal reviewer"), "legal", []),
    (_("Brief customer service with a FAQ"),
     _("Give the front line approved answers to the questions customers are asking, and an "
     "escalation path for the ones they cannot answer."), MEDIUM, 120, _("Department liaison"),
     "customer_service", [_("Likely questions"), _("Approved answers"), _("Escalation contact")]),
    (_("Notify employees"),
     _("Tell staff what happened and what to say (and not say) if asked, before they read "
     "it elsewhere."), MEDIUM, 240, _("Communications officer"), "hr", []),
    (_("Publish a holding statement"),
     _("Acknowledge the situation within the hour: what we know, what we are doing, when we "
     "will update. Legal approves it before it goes out."), HIGH, 60, _("Spokesperson"),
     "communications",
     [_("What we know"), _("What we are doing"), _("When we will update next"), _("Where to get help")]),
    (_("Brief the executive sponsor"),
     _("Give the executive sponsor the facts, the exposure and the decisions needed from "
     "them."), HIGH, 60, _("Incident lead"), "executive", []),
    (_("Convene the executive crisis call"),
     _("Chief executive, legal, communications and the lead decide together: who speaks for "
     "the company, what is said, what must not wait."), CRITICAL, 30, _("Executive sponsor"),
     "executive", [_("Spokesperson confirmed"), _("Decisions recorded in the timeline")]),
    (_("Set the public update rhythm"),
     _("Commit publicly to when the next update comes (at least every two hours while "
     "critical) and keep to it."), CRITICAL, 120, _("Spokesperson"), "communications", []),
]

SPECIFIC = {
    "product_quality": [
        (_("Quarantine affected stock and trace batches"),
         _("Stop sales of affected lots and identify where they went."), MEDIUM, 240,
         _("Department liaison"), "operations", []),
        (_("Assess a recall with legal and quality"),
         _("Decide whether a recall or safety notice is required, and its scope."), HIGH, 480,
         _("Legal reviewer"), "legal", []),
        (_("Notify the product safety regulator"),
         _("Where the law requires it, notify the regulator within the statutory deadline."),
         HIGH, 1440, _("Department liaison"), "government_affairs", []),
    ],
    "service_failure": [
        (_("Post a status update and restoration estimate"),
         _("Tell customers what is affected and when the next update comes."), LOW, 30,
         _("Communications officer"), "communications", []),
        (_("Update customers every 30 minutes until restored"),
         _("Even when nothing changed, say so."), MEDIUM, 60, _("Communications officer"),
         "communications", []),
        (_("Confirm root cause with technology"),
         _("Get a plain-language account of cause and fix for the review."), MEDIUM, 1440,
         _("Department liaison"), "technology", []),
    ],
    "data_breach": [
        (_("Contain the breach and preserve evidence"),
         _("Stop the leak without destroying logs needed later."), LOW, 60,
         _("Department liaison"), "technology", []),
        (_("Assess notification duties"),
         _("Check regulator and individual notification duties and deadlines (for example "
         "72 hours under GDPR)."), MEDIUM, 240, _("Legal reviewer"), "legal", []),
        (_("Prepare notices to affected individuals"),
         _("What happened, what data, what we are doing, what they should do."), HIGH, 1440,
         _("Communications officer"), "communications", []),
    ],
    "conduct": [
        (_("Secure the facts through HR under legal privilege"),
         _("Interview and document through HR, with legal advising."), LOW, 240,
         _("Department liaison"), "hr", []),
        (_("Decide interim measures"),
         _("Leave, suspension or removal from duties while facts are established."), HIGH, 480,
         _("Executive sponsor"), "executive", []),
    ],
    "misinformation": [
        (_("Collect evidence of the claim and its spread"),
         _("Screenshots, links, first posts, accounts amplifying it."), LOW, 60,
         _("Monitoring analyst"), "communications", []),
        (_("Publish a factual correction with sources"),
         _("Correct calmly, with evidence, without repeating the false claim in the headline."),
         MEDIUM, 240, _("Spokesperson"), "communications", []),
        (_("Ask platforms to label or remove"),
         _("Use platform reporting and legal channels where policy allows."), MEDIUM, 480,
         _("Legal reviewer"), "legal", []),
    ],
    "marketing_misstep": [
        (_("Pause the campaign on every channel"),
         _("Stop paid and scheduled posts, including partners'."), LOW, 30,
         _("Department liaison"), "marketing", []),
        (_("Draft an apology that owns the mistake"),
         _("Say what was wrong, that we are sorry, and what changes."), MEDIUM, 240,
         _("Communications officer"), "communications", []),
    ],
    "legal_regulatory": [
        (_("Confirm with counsel what may be said"),
         _("Pending proceedings limit comment; agree the line."), LOW, 60, _("Legal reviewer"),
         "legal", []),
        (_("Brief regulators before they read it in the press"),
         _("A call from us first builds trust."), HIGH, 480, _("Department liaison"),
         "government_affairs", []),
    ],
    "external_event": [
        (_("Account for the safety of employees and customers"),
         _("Check in with people in the affected area first."), LOW, 60,
         _("Department liaison"), "hr", []),
        (_("Coordinate with the authorities"),
         _("Follow official guidance; do not get ahead of it publicly."), MEDIUM, 120,
         _("Department liaison"), "government_affairs", []),
    ],
}


def create_defaults(apps, schema_editor):
    IncidentType = apps.get_model("crisis", "IncidentType")
    Playbook = apps.get_model("crisis", "Playbook")
    TaskTemplate = apps.get_model("crisis", "TaskTemplate")

    def add_templates(playbook, rows, start):
        for offset, (title, guidance, severity, due, role, department, checklist) in \
                enumerate(rows):
            TaskTemplate.objects.get_or_create(
                playbook=playbook, title=title,
                defaults={"guidance": guidance, "min_severity": severity,
                          "due_after_minutes": due, "responsible_role": role,
                          "responsible_department": department, "checklist": checklist,
                          "position": start + offset * 10})

    general, _ = Playbook.objects.get_or_create(
        name="General response", incident_type=None,
        defaults={"description": "Applied to every incident, whatever its type."})
    add_templates(general, GENERAL, 10)
    for position, (code, name, description) in enumerate(TYPES):
        incident_type, _ = IncidentType.objects.get_or_create(
            code=code, defaults={"name": name, "description": description,
                                 "position": (position + 1) * 10})
        if code in SPECIFIC:
            playbook, _ = Playbook.objects.get_or_create(
                incident_type=incident_type, defaults={"name": f"{name} response"})
            add_templates(playbook, SPECIFIC[code], 200)


class Migration(migrations.Migration):
    dependencies = [("crisis", "0002_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
