"""Warning rules: the only writes (the API's and, through the same checks, the admin's).

A rule needs a level and at least one threshold besides the minimum number of mentions
(a rule with none would fire on any ten mentions); the shape of each value (ranges) is the
serializer's. Changing the rules takes ``monitoring.change_warningrule``."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .detection import RULE_THRESHOLDS
from .models import WarningRule
from .permissions import can_view_alerts

CHANGE_WARNING_RULE = "monitoring.change_warningrule"


def can_change_rules(user) -> bool:
    return can_view_alerts(user) and user.has_perm(CHANGE_WARNING_RULE)


def _check(actor, rule: WarningRule) -> None:
    if not can_change_rules(actor):
        raise PermissionDenied(_("You may not change the warning rules."))
    if all(getattr(rule, field) is None for field in RULE_THRESHOLDS.values()):
        raise ValidationError({"volume_ratio": [
            _("Set at least one threshold (volume, negative share, velocity, reach or "
              "influencer).")]})


def warning_rule_create(*, actor, **fields) -> WarningRule:
    rule = WarningRule(**fields)
    _check(actor, rule)
    with transaction.atomic():
        rule.save()
    return rule


def warning_rule_update(*, actor, rule: WarningRule, **fields) -> WarningRule:
    with transaction.atomic():
        rule = WarningRule.objects.select_for_update().get(pk=rule.pk)
        for name, value in fields.items():
            setattr(rule, name, value)
        _check(actor, rule)
        rule.save()
    return rule


def warning_rule_delete(*, actor, rule: WarningRule) -> None:
    if not can_change_rules(actor):
        raise PermissionDenied(_("You may not change the warning rules."))
    rule.delete()
