"""The scribe writes the post-incident review with the lead (issue 15): the scribe role
grants ``edit_review`` from now on, and every active scribe gets it on their incident.

Written against the historical models: the rows mean the same thing forever. Reversing
takes the right back from the role and from scribes whose other active roles do not grant
it."""

from django.db import migrations

SCRIBE, EDIT_REVIEW = "scribe", "edit_review"


def _right(apps):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="crisis",
                                     codename=EDIT_REVIEW).first()


def scribe_edits_review(apps, schema_editor):
    Role = apps.get_model("teams", "Role")
    RoleAssignment = apps.get_model("teams", "RoleAssignment")
    Grant = apps.get_model("crisis", "IncidentUserObjectPermission")
    right, scribe = _right(apps), Role.objects.filter(code=SCRIBE).first()
    if right is None or scribe is None:  # an empty database: 0003 ships both with the right
        return
    scribe.permissions.add(right)
    pairs = set(RoleAssignment.objects.filter(role=scribe, ended_at__isnull=True)
                .values_list("incident_id", "user_id"))
    held = set(Grant.objects.filter(permission=right).values_list("content_object_id",
                                                                  "user_id"))
    Grant.objects.bulk_create(
        Grant(content_object_id=incident, user_id=user, permission=right)
        for incident, user in sorted(pairs - held))


def scribe_no_longer_edits_review(apps, schema_editor):
    Role = apps.get_model("teams", "Role")
    RoleAssignment = apps.get_model("teams", "RoleAssignment")
    Grant = apps.get_model("crisis", "IncidentUserObjectPermission")
    right, scribe = _right(apps), Role.objects.filter(code=SCRIBE).first()
    if right is None or scribe is None:
        return
    scribe.permissions.remove(right)
    for incident, user in set(RoleAssignment.objects.filter(role=scribe, ended_at__isnull=True)
                              .values_list("incident_id", "user_id")):
        still = RoleAssignment.objects.filter(
            incident_id=incident, user_id=user, ended_at__isnull=True,
            role__permissions=right).exists()
        if not still:
            Grant.objects.filter(content_object_id=incident, user_id=user,
                                 permission=right).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0011_notification_kinds_of_reviews"),
        ("crisis", "0009_timeline_kind_review"),
    ]

    operations = [migrations.RunPython(scribe_edits_review, scribe_no_longer_edits_review)]
