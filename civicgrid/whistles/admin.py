"""Admin pages of whistles. The catalogue (categories, problems) and the score items belong to
the whole city and are edited by city administrators. Whistles, report-ins, scores and dispatch
ratings are records of what people did: read-only here, because every change goes through the
services (permission checks, conditional updates, who and when)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.admin import ScopedAdminMixin
from civicgrid.core import permissions

from .models import (
    DepartmentScore,
    DispatchRating,
    ReportIn,
    ScoreItem,
    Whistle,
    WhistleCategory,
    WhistleProblem,
)
from .selectors import report_in_status, status_label, whistles_visible


class CityCatalogueAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_action = "whistle.view"
    edit_action = "whistle.catalogue_edit"

    def area_of(self, obj):
        return ""  # the catalogue belongs to the whole city

    def _may(self, request, action, obj=None):
        # Adding is a change to the city's catalogue too: only city-wide scopes.
        return super()._may(request, action, obj if obj is not None else self.model())

    def scope_queryset(self, actor, queryset):
        return queryset


class ProblemInline(admin.TabularInline):
    model = WhistleProblem
    fields = ("code", "name", "report_in_minutes", "arrival_radius_m", "active", "sort_order")
    extra = 0
    show_change_link = True


@admin.register(WhistleCategory)
class WhistleCategoryAdmin(CityCatalogueAdmin):
    list_display = ("code", "name", "area", "sort_order")
    list_filter = ("area",)
    search_fields = ("^code", "name")
    inlines = [ProblemInline]


@admin.register(WhistleProblem)
class WhistleProblemAdmin(CityCatalogueAdmin):
    list_display = ("code", "name", "category", "report_in_minutes", "arrival_radius_m",
                    "department_names", "active")
    list_filter = ("category__area", "category", "active")
    search_fields = ("^code", "name")
    list_select_related = ("category",)
    filter_horizontal = ("departments",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("departments")

    @admin.display(description=_("通常召集部门"))
    def department_names(self, obj):
        return "、".join(d.short_name or d.name for d in obj.departments.all())


@admin.register(ScoreItem)
class ScoreItemAdmin(CityCatalogueAdmin):
    list_display = ("code", "name", "applies_to", "max_score", "weight", "active", "sort_order")
    list_filter = ("applies_to", "active")


class ReadOnlyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_action = "whistle.view"
    edit_action = None

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class ReportInInline(admin.TabularInline):
    model = ReportIn
    fields = ("department", "deadline", "acknowledged_at", "arrived_at", "arrival_distance_m",
              "status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("报到状态"))
    def status(self, obj):
        return status_label(report_in_status(obj))


@admin.register(Whistle)
class WhistleAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "street_code", "problem", "state", "raised_at",
                    "closed_at")
    list_filter = ("state", "problem__category__area")
    search_fields = ("^number", "title")
    list_select_related = ("problem",)
    date_hierarchy = "raised_at"
    inlines = [ReportInInline]

    def scope_queryset(self, actor, queryset):
        return queryset.filter(pk__in=whistles_visible(actor).values("pk"))


@admin.register(DepartmentScore)
class DepartmentScoreAdmin(ReadOnlyAdmin):
    list_display = ("department", "target", "whistle", "case", "total", "street_code",
                    "scored_at")
    list_filter = ("target",)
    list_select_related = ("department", "whistle", "case")

    def area_of(self, obj):
        return obj.street_code

    def scope_queryset(self, actor, queryset):
        return permissions.visible(actor, queryset, action="whistle.view")


@admin.register(DispatchRating)
class DispatchRatingAdmin(ReadOnlyAdmin):
    list_display = ("case", "department", "accurate", "dispatcher", "street_code", "rated_at")
    list_filter = ("accurate",)
    list_select_related = ("case", "department", "dispatcher")

    def area_of(self, obj):
        return obj.street_code

    def scope_queryset(self, actor, queryset):
        area = permissions.scope_of(actor).area
        if area is None or not permissions.role_may(actor, "whistle.view"):
            return queryset.none()
        # The ratings of dispatches by the actor's area and the areas below it.
        return queryset.filter(street_code__startswith=area)
