"""Who may do what through the API: the admin's role rules, applied to every method.

- Everyone reads published records.
- Writes need the model permission (add, change, delete), as in the admin.
- Only publishers (``services.can_publish``) publish or unpublish, and only they may
  change or delete a record that is already public; editors work on drafts.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from .. import services


class RolePermission(permissions.DjangoModelPermissionsOrAnonReadOnly):
    def has_permission(self, request, view):
        # Reads need no model permission (their map is empty), so they skip the parent's lookup of
        # the view's queryset, which would build the whole read query once more on every request.
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        if obj.is_published and not services.can_publish(request.user):
            raise exceptions.PermissionDenied(
                _("Only publishers may change or delete a published record; ask one to unpublish it first.")
            )
        return True


def can_see_drafts(user, model):
    """Editors (anyone who may change or view the records in the admin) may list drafts."""
    opts = model._meta
    return bool(
        user
        and user.is_active
        and (
            user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
            or user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
        )
    )
