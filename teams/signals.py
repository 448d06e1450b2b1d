"""Changes to a person's global rights that open incident sockets must hear about.

Roles on an incident tell the room themselves (``team.changed``); capabilities (groups),
direct permissions, rights on one incident (a role's rights changed in the admin), the
superuser and staff flags and deactivation happen in the admin or the shell, so they are
caught here and each affected person's sockets re-check access
(``core.live.access_changed``) before any later frame reaches them.
"""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from core import live
from crisis.models import IncidentUserObjectPermission

from .models import User

CHANGING_ACTIONS = {"post_add", "post_remove", "post_clear"}


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
def user_rights_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in CHANGING_ACTIONS:
        return
    if not reverse:  # user.groups.add(...) / user.user_permissions.remove(...)
        live.access_changed(instance.pk)
    elif isinstance(instance, Group) and action == "post_clear":
        return  # pre_clear below already named the members
    elif isinstance(instance, Group):  # group.user_set.add(...)
        for user_id in pk_set or ():
            live.access_changed(user_id)


@receiver(m2m_changed, sender=User.groups.through)
def group_cleared(sender, instance, action, reverse, **kwargs):
    if reverse and action == "pre_clear" and isinstance(instance, Group):
        for user_id in instance.user_set.values_list("pk", flat=True):
            live.access_changed(user_id)


@receiver(m2m_changed, sender=Group.permissions.through)
def group_rights_changed(sender, instance, action, reverse, **kwargs):
    if action in CHANGING_ACTIONS and not reverse and isinstance(instance, Group):
        for user_id in instance.user_set.values_list("pk", flat=True):
            live.access_changed(user_id)


ACCESS_FLAGS = {"is_active", "is_superuser", "is_staff"}


@receiver(post_save, sender=User)
def user_saved(sender, instance, created, update_fields=None, **kwargs):
    """Deactivation, the superuser or staff flag: saved by the admin's change form (all
    fields) or by code naming them; a sign-in's last_login alone changes nothing."""
    if not created and (update_fields is None or ACCESS_FLAGS & set(update_fields)):
        live.access_changed(instance.pk)


@receiver(post_delete, sender=IncidentUserObjectPermission)
def incident_right_removed(sender, instance, **kwargs):
    """A right on one incident went (a role ended, a role's rights changed, the admin)."""
    live.access_changed(instance.user_id)
