"""Authentication backends."""

from django.contrib.auth import backends
from django.contrib.auth.models import Permission
from django.db.models import Q


class ModelBackend(backends.ModelBackend):
    """Django's ``ModelBackend``, reading a user's global permissions (their own and their
    groups') in one query instead of two.

    Every list that takes a reader asks ``has_perm`` (who may see restricted and
    confidential incidents), so the two queries Django makes were a third of an API
    list's queries. The answer is the same set, cached on the user object for the request
    as Django caches it (``_perm_cache``); ``get_user_permissions`` and
    ``get_group_permissions`` stay Django's own.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = self._read_all_permissions(user_obj)
        return user_obj._perm_cache

    async def aget_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                async for app_label, codename in self._permissions_of(user_obj)}
        return user_obj._perm_cache

    def _read_all_permissions(self, user_obj) -> set[str]:
        return {f"{app_label}.{codename}"
                for app_label, codename in self._permissions_of(user_obj)}

    def _permissions_of(self, user_obj):
        if user_obj.is_superuser:
            permissions = Permission.objects.all()
        else:  # Django's two querysets, as subqueries of one
            permissions = Permission.objects.filter(
                Q(pk__in=self._get_user_permissions(user_obj).values("pk"))
                | Q(pk__in=self._get_group_permissions(user_obj).values("pk")))
        return permissions.values_list("content_type__app_label", "codename").order_by()
