"""Default incident types and playbooks (admins edit them afterwards).

The data lives here, not imported from app code, so this migration means the same
thing forever.
"""

from django.db import migrations

TYPES = [
    ("product_quality", "Product quality / safety",
     "Defects, contamination, injuries or recalls involving what we sell."),
    ("service_failure", "Service failure", "Outages, delays or breakdowns customers notice."),
    ("data_breach", "Data or security breach",
     "Personal data exposed, systems compromised, ransomware."),
    ("conduct", "Employee or executive conduct",
     "Misconduct, harassment, offensive statements by our people."),
    ("misinformation", "Misinformation / rumour", "False claims about us spreading online."),
    ("marketing_misstep", "Marketing misstep", "A campaign, post or advert that offends."),
    ("legal_regulatory", "Legal / regulatory",
     "Lawsuits, investigations, fines or regulatory action."),
    ("external_event", "External event / disaster",
     "Natural disasters, accidents or events around us that affect people or operations."),
    ("other", "Other", "Anything that fits no other type."),
]

LOW, MEDIUM, HIGH, CRITICAL = "low", "medium", "high", "critical"

# (title, guidance, min severity, due after minutes, responsible role, department, checklist)
GENERAL = [
    ("Assemble the crisis team",
     "Call in the lead, spokesperson, legal and the liaisons the incident needs; agree the "
     "channel and the next check-in.", LOW, 30, "Incident lead", "", []),
    ("Verify the facts (5W1H)",
     "Establish what happened, when, where, who is involved, why and how; separate "
     "confirmed facts from claims and record sources in the timeline.", LOW, 60,
     "Incident lead", "",
     ["What happened", "When", "Where", "Who is affected", "Why", "How we know"]),
    ("Monitor sentiment and volume",
     "Watch mentions, sentiment and reach on the affected channels; post a short update "
     "to the timeline every two hours.", LOW, 120, "Monitoring analyst", "communications",
     []),
    ("Brief legal on exposure",
     "Share the verified facts with legal; agree what may and may not be said publicly.",
     MEDIUM, 60, "Legal reviewer", "legal", []),
    ("Brief customer service with a FAQ",
     "Give the front line approved answers to the questions customers are asking, and an "
     "escalation path for the ones they cannot answer.", MEDIUM, 120, "Department liaison",
     "customer_service", ["Likely questions", "Approved answers", "Escalation contact"]),
    ("Notify employees",
     "Tell staff what happened and what to say (and not say) if asked, before they read "
     "it elsewhere.", MEDIUM, 240, "Communications officer", "hr", []),
    ("Publish a holding statement",
     "Acknowledge the situation within the hour: what we know, what we are doing, when we "
     "will update. Legal approves it before it goes out.", HIGH, 60, "Spokesperson",
     "communications",
     ["What we know", "What we are doing", "When we will update next", "Where to get help"]),
    ("Brief the executive sponsor",
     "Give the executive sponsor the facts, the exposure and the decisions needed from "
     "them.", HIGH, 60, "Incident lead", "executive", []),
]

SPECIFIC = {
    "product_quality": [
        ("Quarantine affected stock and trace batches",
         "Stop sales of affected lots and identify where they went.", MEDIUM, 240,
         "Department liaison", "operations", []),
        ("Assess a recall with legal and quality",
         "Decide whether a recall or safety notice is required, and its scope.", HIGH, 480,
         "Legal reviewer", "legal", []),
        ("Notify the product safety regulator",
         "Where the law requires it, notify the regulator within the statutory deadline.",
         HIGH, 1440, "Department liaison", "government_affairs", []),
    ],
    "service_failure": [
        ("Post a status update and restoration estimate",
         "Tell customers what is affected and when the next update comes.", LOW, 30,
         "Communications officer", "communications", []),
        ("Update customers every 30 minutes until restored",
         "Even when nothing changed, say so.", MEDIUM, 60, "Communications officer",
         "communications", []),
        ("Confirm root cause with technology",
         "Get a plain-language account of cause and fix for the review.", MEDIUM, 1440,
         "Department liaison", "technology", []),
    ],
    "data_breach": [
        ("Contain the breach and preserve evidence",
         "Stop the leak without destroying logs needed later.", LOW, 60,
         "Department liaison", "technology", []),
        ("Assess notification duties",
         "Check regulator and individual notification duties and deadlines (for example "
         "72 hours under GDPR).", MEDIUM, 240, "Legal reviewer", "legal", []),
        ("Prepare notices to affected individuals",
         "What happened, what data, what we are doing, what they should do.", HIGH, 1440,
         "Communications officer", "communications", []),
    ],
    "conduct": [
        ("Secure the facts through HR under legal privilege",
         "Interview and document through HR, with legal advising.", LOW, 240,
         "Department liaison", "hr", []),
        ("Decide interim measures",
         "Leave, suspension or removal from duties while facts are established.", HIGH, 480,
         "Executive sponsor", "executive", []),
    ],
    "misinformation": [
        ("Collect evidence of the claim and its spread",
         "Screenshots, links, first posts, accounts amplifying it.", LOW, 60,
         "Monitoring analyst", "communications", []),
        ("Publish a factual correction with sources",
         "Correct calmly, with evidence, without repeating the false claim in the headline.",
         MEDIUM, 240, "Spokesperson", "communications", []),
        ("Ask platforms to label or remove",
         "Use platform reporting and legal channels where policy allows.", MEDIUM, 480,
         "Legal reviewer", "legal", []),
    ],
    "marketing_misstep": [
        ("Pause the campaign on every channel",
         "Stop paid and scheduled posts, including partners'.", LOW, 30,
         "Department liaison", "marketing", []),
        ("Draft an apology that owns the mistake",
         "Say what was wrong, that we are sorry, and what changes.", MEDIUM, 240,
         "Communications officer", "communications", []),
    ],
    "legal_regulatory": [
        ("Confirm with counsel what may be said",
         "Pending proceedings limit comment; agree the line.", LOW, 60, "Legal reviewer",
         "legal", []),
        ("Brief regulators before they read it in the press",
         "A call from us first builds trust.", HIGH, 480, "Department liaison",
         "government_affairs", []),
    ],
    "external_event": [
        ("Account for the safety of employees and customers",
         "Check in with people in the affected area first.", LOW, 60,
         "Department liaison", "hr", []),
        ("Coordinate with the authorities",
         "Follow official guidance; do not get ahead of it publicly.", MEDIUM, 120,
         "Department liaison", "government_affairs", []),
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
