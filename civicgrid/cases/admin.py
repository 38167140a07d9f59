"""Cases in the Django admin: read-only.

A case changes only through the services (intake, the transition service and its actions), which
check the workflow and write the audit trail; the admin would do neither. So the admin lists,
filters, searches and shows cases with their reporters, history and photos, and offers no add,
change or delete, not even to superusers. Rows are scoped like the pages (selectors.cases_visible);
reporters' contact data is masked unless the policy lets the viewer call people back.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.admin import ScopedAdminMixin
from civicgrid.core import permissions

from .models import Attachment, Case, CaseEvent, Reporter
from .privacy import mask_email, mask_name, mask_phone
from .selectors import cases_visible


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # the parent admin has already decided who sees the case


class ReporterInline(ReadOnlyInline):
    model = Reporter
    verbose_name_plural = _("报告人（联系方式按权限脱敏）")
    FULL = ("name", "phone", "email", "channel", "reported_at", "is_primary",
            "original_case_number", "called_back_at")
    MASKED = ("masked_name", "masked_phone", "masked_email", "channel", "reported_at",
              "is_primary", "original_case_number", "called_back_at")

    def _columns(self, request, obj):
        full = obj is not None and permissions.may(request.user, "case.view_contact", obj)
        return self.FULL if full else self.MASKED

    def get_fields(self, request, obj=None):
        return self._columns(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self._columns(request, obj)

    @admin.display(description=_("姓名"))
    def masked_name(self, obj):
        return mask_name(obj.name)

    @admin.display(description=_("电话"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description=_("邮箱"))
    def masked_email(self, obj):
        return mask_email(obj.email)


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = readonly_fields = ("at", "action", "from_state", "to_state", "actor", "actor_role",
                                "unit_department", "unit_area_code", "note", "internal")
    ordering = ("at", "id")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = readonly_fields = ("stage", "link", "content_type", "size", "sha256", "public",
                                "uploaded_at")

    @admin.display(description=_("文件"))
    def link(self, obj):
        return format_html('<a href="{}" target="_blank">{}</a>', obj.file.url, obj.file.name)


@admin.register(Case)
class CaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_action = "case.view"
    edit_action = None
    list_display = ("number", "state", "category", "street_code", "register_deadline",
                    "handle_deadline", "reported_at", "channel", "priority")
    list_filter = ("state", "channel", "priority", "category__stream", "location_source")
    list_select_related = ("category",)
    search_fields = ("=number", "^number")
    ordering = ("-reported_at",)
    inlines = (ReporterInline, CaseEventInline, AttachmentInline)

    def scope_queryset(self, actor, queryset):
        return queryset.filter(pk__in=cases_visible(actor).values("pk"))

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields]

    def has_view_permission(self, request, obj=None):
        user = request.user
        if obj is None or user.is_superuser:
            return self._may(request, self.view_action)
        return (user.is_active and user.is_staff
                and cases_visible(user).filter(pk=obj.pk).exists())

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
