"""Plans, indicators and targets in the Django admin, for those who may `indicator.edit`
(district and city admins; the plans belong to the whole city). Measurements are read-only
here: figures are entered, reviewed and corrected on the indicator pages, through the services
(evidence checks, scope, four-eyes approval, history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from civicgrid.accounts.admin import ScopedAdminMixin

from .models import Aspect, Indicator, Measurement, Plan, Target


class CityWideAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    view_action = "indicator.view"
    edit_action = "indicator.edit"

    def area_of(self, obj):
        return ""  # plans and their indicators belong to the whole city

    def _may(self, request, action, obj=None):
        # Adding is a change to the city's plans too: only city-wide scopes.
        return super()._may(request, action, obj if obj is not None else self.model())

    def scope_queryset(self, actor, queryset):
        return queryset


class AspectInline(admin.TabularInline):
    model = Aspect
    extra = 0


class TargetInline(admin.TabularInline):
    model = Target
    fields = ("area_code", "kind", "date", "value", "citation_seed", "note")
    extra = 0


@admin.register(Plan)
class PlanAdmin(CityWideAdmin):
    list_display = ("code", "name", "period_start", "period_end", "source_seed")
    search_fields = ("code", "name")
    inlines = [AspectInline]


@admin.register(Indicator)
class IndicatorAdmin(CityWideAdmin):
    list_display = ("code", "name", "plan", "aspect", "unit", "direction", "kind", "source",
                    "not_evaluable_reason")
    list_filter = ("plan", "source", "kind", "direction")
    search_fields = ("code", "name")
    list_select_related = ("plan", "aspect")
    inlines = [TargetInline]


@admin.register(Measurement)
class MeasurementAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    view_action = "indicator.view"
    edit_action = None  # read-only: entry and review go through the services
    list_display = ("indicator", "area_code", "date", "value", "approved_value", "status",
                    "origin", "entered_by")
    list_filter = ("status", "origin", "indicator__plan")
    search_fields = ("indicator__code", "indicator__name", "area_code")
    list_select_related = ("indicator", "entered_by")
