"""Who may do what with an incident's team and the duty roster: each rule once, beside the
services that enforce it; templates, views, the API and the services call these. (The
rights on an incident themselves are ``crisis.permissions``'.)"""

from crisis.permissions import can_manage_team, is_active

# Global rights on the duty roster (crisis managers and administrators hold them).
ADD_DUTY_SHIFT = "teams.add_dutyshift"
CHANGE_DUTY_SHIFT = "teams.change_dutyshift"
DELETE_DUTY_SHIFT = "teams.delete_dutyshift"


def can_end_role(user, assignment) -> bool:
    """``user`` may end ``assignment``: step down from a role of their own, or end anyone's
    with the right to manage the incident's team. (The lead is never simply ended, whoever
    asks: that is a conflict, answered by handing the lead over.)"""
    if not is_active(user):
        return False
    return assignment.user_id == user.pk or can_manage_team(user, assignment.incident)


def can_add_duty_shift(user) -> bool:
    return is_active(user) and user.has_perm(ADD_DUTY_SHIFT)


def can_change_duty_shift(user) -> bool:
    return is_active(user) and user.has_perm(CHANGE_DUTY_SHIFT)


def can_delete_duty_shift(user) -> bool:
    return is_active(user) and user.has_perm(DELETE_DUTY_SHIFT)
