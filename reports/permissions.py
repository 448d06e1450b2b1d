"""Who may read, write and sign a post-incident review, and work on its action items.

One rule, one place: the services check these, the pages, the API and the browsable API's
forms ask them.

- **Reading** a review, its versions and action items follows the incident: whoever may
  view the incident (``crisis.selectors.may_view``); everyone else gets 404.
- **Writing** the review (its text, language and action items) takes the incident's
  ``edit_review`` right (``crisis.permissions.EDIT_REVIEW``): the lead, the deputy and the
  scribe hold it through their role; administrators hold it globally.
- **Signing off** takes the *role*, not a right: only an active holder of the incident's
  lead role signs as lead, only an active executive sponsor as executive sponsor. Nobody
  signs for them, administrators included. One person signs a version once: someone who
  holds both roles signs in one of them and another person must sign the other.
- **Action items**: writers of the review change everything; the owner of an item may
  move its status (``ACTION_ITEM_OWNER_FIELDS``).
"""

from crisis.permissions import EDIT_REVIEW, has_right, is_active
from crisis.selectors import may_view
from teams.models import RoleAssignment

from .models import REQUIRED_SIGN_OFFS, SignOffRole

SIGN_OFF_ROLE_CODES = tuple(role.value for role in REQUIRED_SIGN_OFFS)
ACTION_ITEM_OWNER_FIELDS = frozenset({"status"})


def can_view_review(user, review) -> bool:
    return may_view(user=user, incident=review.incident)


def can_edit_review(user, review) -> bool:
    """Edit the text, change the language, add and change action items."""
    incident = review.incident
    return may_view(user=user, incident=incident) and has_right(user, incident, EDIT_REVIEW)


def held_sign_off_roles(user, incident) -> set[str]:
    """The sign-off roles (``SignOffRole`` values) ``user`` holds on ``incident`` now."""
    if not is_active(user):
        return set()
    return set(RoleAssignment.objects.filter(
        incident=incident, user=user, ended_at__isnull=True,
        role__code__in=SIGN_OFF_ROLE_CODES).values_list("role__code", flat=True))


def sign_off_roles(user, version) -> list[str]:
    """The roles in which ``user`` may sign ``version`` now: those they hold on its
    incident that nobody has signed it in yet, in the order they are asked for (lead,
    then executive sponsor); none once they signed it themselves or it is signed off."""
    if not is_active(user) or version.signed_off_at is not None:
        return []
    held = held_sign_off_roles(user, version.review.incident)
    if not held:
        return []
    signed = {sign_off.role: sign_off.user_id for sign_off in version.sign_offs.all()}
    if user.pk in signed.values():
        return []
    return [role.value for role in REQUIRED_SIGN_OFFS
            if role.value in held and role.value not in signed]


def can_sign_off(user, version, role: str | None = None) -> bool:
    roles = sign_off_roles(user, version)
    return bool(roles) if role is None else role in roles


def can_change_action_item(user, item, fields=()) -> bool:
    """Change ``fields`` of ``item`` (any field: a writer of the review; only its status:
    also its owner). With no ``fields``: whether the user may change anything of it."""
    review = item.review
    if can_edit_review(user, review):
        return True
    if not (is_active(user) and item.owner_id == user.pk and can_view_review(user, review)):
        return False
    return set(fields) <= ACTION_ITEM_OWNER_FIELDS


__all__ = ["SignOffRole", "can_change_action_item", "can_edit_review", "can_sign_off",
           "can_view_review", "held_sign_off_roles", "sign_off_roles"]
