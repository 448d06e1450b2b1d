"""How the review's timeline entries (kind ``review``, written by ``reports.services``) read
in the room, in the reader's language (registered with ``crisis.timeline.write_headlines``)."""

from django.utils.translation import gettext as _

from .models import ActionItemStatus, SignOffRole


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def review_headline(data: dict) -> str:
    action = data.get("action")
    values = {"n": data.get("version", ""), "title": data.get("title", ""),
              "role": _label(SignOffRole, data.get("role")),
              "owner": data.get("owner", ""), "day": data.get("due_on", ""),
              "from": _label(ActionItemStatus, data.get("from")),
              "to": _label(ActionItemStatus, data.get("to"))}
    if action == "opened":
        return _("Post-incident review opened (version %(n)s, pre-filled from the record)") \
            % values
    if action == "version_started":
        return _("Review version %(n)s started: it needs every sign-off again") % values
    if action == "signed":
        return _("Review version %(n)s signed as %(role)s") % values
    if action == "signed_off":
        return _("Review version %(n)s signed off") % values
    if action == "action_item_added":
        return _("Action item added: “%(title)s”, owner %(owner)s, due %(day)s") % values
    if action == "action_item_changed":
        if "to" in data:
            return _("Action item “%(title)s”: %(from)s → %(to)s") % values
        return _("Action item “%(title)s” changed") % values
    return _("Post-incident review changed")
