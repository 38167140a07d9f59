"""The Django admin for accounts, and `ScopedAdminMixin`, which puts every admin page of the
project under the one permission policy (core.permissions) instead of Django's per-model
permission table: a district admin with `is_staff` sees and changes only their district's rows,
whatever groups they are in. Superusers keep Django's behaviour.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core import permissions

from .models import Role, User
from .services import scope_area, user_manage_error, user_scope_error


def scoped_by_fields(actor, queryset, fields: dict[int, str]):
    """`permissions.visible` for a model without `scope_fields` of its own (the fields given
    here lead to the area codes, e.g. {15: "grid_id"} for a row hanging off a grid)."""
    scope = permissions.scope_of(actor)
    if scope.area is None:
        return queryset.none()
    return queryset.filter(permissions.area_q(SimpleNamespace(scope_fields=fields), scope.area))


class ScopedAdminMixin:
    """Admin permissions from the policy: `view_action` to see, `edit_action` to add, change
    and delete (None: read-only for everybody). Rows come from `scope_queryset`; objects are
    placed by `area_of(obj)`; a form may only save an object inside the actor's scope."""

    view_action = "territory.view"
    edit_action: str | None = "territory.edit"
    show_full_result_count = False  # no second COUNT(*) over 16,000 grids on every page

    def area_of(self, obj) -> str | None:
        return getattr(obj, "area_code", None)

    def scope_queryset(self, actor, queryset):
        return permissions.visible(actor, queryset)

    def _may(self, request, action: str | None, obj=None) -> bool:
        if action is None:
            return False
        user = request.user
        if user.is_active and user.is_superuser:
            return True
        if not (user.is_active and user.is_staff):
            return False
        target = None if obj is None else SimpleNamespace(area_code=self.area_of(obj))
        return permissions.may(user, action, target)

    def has_module_permission(self, request):
        return self._may(request, self.view_action)

    def has_view_permission(self, request, obj=None):
        return self._may(request, self.view_action, obj) or self.has_change_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._may(request, self.edit_action)

    def has_change_permission(self, request, obj=None):
        return self._may(request, self.edit_action, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, self.edit_action, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return self.scope_queryset(request.user, queryset)

    def instance_errors(self, actor, instance, form) -> list[str]:
        """Why this object may not be saved like this (beyond the form's own checks)."""
        if actor.is_superuser or permissions.may(
                actor, self.edit_action, SimpleNamespace(area_code=self.area_of(instance))):
            return []
        return [_("只能保存您辖区内的数据，请选择辖区内的区域。")]

    def scoped_form(self, form_class, request):
        model_admin, actor = self, request.user

        def _post_clean(form):
            form_class._post_clean(form)
            if not form._errors:  # the object is only complete when the fields were valid
                for error in model_admin.instance_errors(actor, form.instance, form):
                    form.add_error(None, error)

        return type(form_class.__name__, (form_class,), {"_post_clean": _post_clean})

    def get_form(self, request, obj=None, **kwargs):
        return self.scoped_form(super().get_form(request, obj, **kwargs), request)


PRIVILEGE_FIELDS = ("is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    view_action = edit_action = "user.manage"
    scope_fieldset = (gettext_lazy("角色与辖区"), {"fields": ("role", "area_code", "department",
                                                              "phone")})
    fieldsets = (*DjangoUserAdmin.fieldsets, scope_fieldset)
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets,
                     (gettext_lazy("姓名"), {"fields": ("first_name", "last_name")}),
                     scope_fieldset)
    list_display = ("username", "full_name", "role", "area_code", "department", "is_staff",
                    "is_active")
    list_filter = ("role", "is_staff", "is_active")
    search_fields = ("username", "first_name", "last_name", "phone", "^area_code")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)

    @admin.display(description=gettext_lazy("姓名"), ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    def area_of(self, obj):
        # Residents stand nowhere: only city-wide managers look after them ('' = the city).
        return scope_area(obj.role, obj.area_code, obj.department) or ""

    def scope_queryset(self, actor, queryset):
        own = permissions.scope_of(actor).area
        if own is None:
            return queryset.none()
        q = (Q(area_code__startswith=own) & ~Q(role__in=[Role.RESIDENT, Role.DEPARTMENT_HANDLER])
             | Q(role=Role.DEPARTMENT_HANDLER, department__area_code__startswith=own))
        if own == "":
            q |= Q(role=Role.RESIDENT)
        return queryset.filter(q, is_superuser=False)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # Nobody but a superuser hands out superuser status or Django's permission table.
        return [(title, {**opts, "fields": tuple(f for f in opts["fields"]
                                                 if f not in PRIVILEGE_FIELDS)})
                for title, opts in fieldsets]

    def instance_errors(self, actor, instance, form) -> list[str]:
        errors = []
        error = user_scope_error(instance.role, instance.area_code, instance.department)
        if error:
            errors.append(error)
        elif not actor.is_superuser:
            error = user_manage_error(actor, instance.role, instance.area_code,
                                      instance.department)
            if error:
                errors.append(error)
            if instance.pk == actor.pk and {"role", "area_code", "department"} & set(
                    form.changed_data):
                errors.append(_("不能修改自己的角色和辖区，请联系上级管理员。"))
        return errors
