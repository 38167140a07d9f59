from django.contrib import admin
from django.db.models import Q

from civicgrid.accounts.admin import ScopedAdminMixin
from civicgrid.core import permissions
from civicgrid.core.codes import ancestor_codes

from .models import Department


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_action = "department.view"
    edit_action = "department.edit"
    list_display = ("code", "name", "short_name", "kind", "area_code", "phone", "active")
    list_filter = ("kind", "active")
    search_fields = ("^code", "name", "short_name")

    def scope_queryset(self, actor, queryset):
        # The departments of the actor's area and the city/district ones above it (a street
        # sees the district's departments it whistles in); changing stays inside the area.
        area = permissions.scope_of(actor).area
        if area is None:
            return queryset.none()
        return queryset.filter(Q(area_code__startswith=area)
                               | Q(area_code__in=["", *ancestor_codes(area)]))
