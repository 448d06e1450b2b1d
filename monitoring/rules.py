"""Warning rules: the only writes (the API's and, through the same checks, the admin's).

A rule needs a level and at least one threshold besides the minimum number of mentions
(a rule with none would fire on any ten mentions), and every value within ``RULE_LIMITS``
(the API's serializer and the admin's form both use them: a window of 0 minutes or a
negative share of 5 is refused, not stored). Changing the rules takes
``monitoring.change_warningrule``."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .detection import RULE_THRESHOLDS
from .models import WarningRule
from .permissions import can_view_alerts

CHANGE_WARNING_RULE = "monitoring.change_warningrule"

# field: (lowest, highest or None) a rule may hold.
RULE_LIMITS = {
    "window_minutes": (1, 1440),
    "persistence": (1, 24),
    "negative_share": (0.0, 1.0),
    "cooldown_minutes": (1, 10_080),
    "min_mentions": (1, None),
    "volume_z": (0.0, None),  # below the usual is no spike: -5 fired on any ten mentions
    "volume_ratio": (0.0, None),
    "velocity": (-1.0, None),
}


def check_values(rule: WarningRule) -> None:
    """Refuse (``ValidationError`` by field) a value outside ``RULE_LIMITS``."""
    errors = {}
    for field, (lowest, highest) in RULE_LIMITS.items():
        value = getattr(rule, field)
        if value is None:
            continue
        if value < lowest:
            errors[field] = [_("At least %(lowest)s.") % {"lowest": lowest}]
        elif highest is not None and value > highest:
            errors[field] = [_("At most %(highest)s.") % {"highest": highest}]
    if errors:
        raise ValidationError(errors)


def can_change_rules(user) -> bool:
    return can_view_alerts(user) and user.has_perm(CHANGE_WARNING_RULE)


def _check(actor, rule: WarningRule) -> None:
    if not can_change_rules(actor):
        raise PermissionDenied(_("You may not change the warning rules."))
    check_values(rule)
    check_thresholds(rule)


def check_thresholds(rule: WarningRule) -> None:
    """Refuse a rule without any threshold (it would fire on any ten mentions)."""
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
