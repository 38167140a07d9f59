"""Evaluation in the Django admin: the composite weights are edited here (by city admins: the
weights are city-wide); rollup rows are shown read-only — they change only with the cases
(rollups.rollup_case_change) or `civicgrid evaluation rebuild`."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.admin import ScopedAdminMixin
from civicgrid.core import permissions

from .models import COUNTERS, CaseRollup, CompositeWeight, UnitKind
from .ranking import known_metrics


class CompositeWeightForm(forms.ModelForm):
    class Meta:
        model = CompositeWeight
        fields = ("unit_kind", "metric", "weight")
        help_texts = {"weight": _("出厂权重只是示例，不是官方数字。各指标按权重加权平均，"
                                  "本期没有数据的指标不计，其余权重按比例放大；网格员排名使用“网格”的权重。")}

    def clean(self):
        data = super().clean()
        kind, metric, weight = data.get("unit_kind"), data.get("metric"), data.get("weight")
        if kind and metric and metric not in known_metrics(kind):
            self.add_error("metric", _("该指标不适用于这类单位。可选：%(codes)s")
                           % {"codes": "、".join(known_metrics(kind))})
        if weight is not None and weight < 0:
            self.add_error("weight", _("权重不能为负数。"))
        return data


@admin.register(CompositeWeight)
class CompositeWeightAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_action = "evaluation.view"
    edit_action = "evaluation.edit"
    form = CompositeWeightForm
    list_display = ("unit_kind", "metric", "metric_label", "weight")
    list_editable = ("weight",)
    list_filter = ("unit_kind",)
    ordering = ("unit_kind", "metric")

    def area_of(self, obj) -> str:
        return ""  # the weights hold for the whole city

    def scope_queryset(self, actor, queryset):
        return queryset if permissions.role_may(actor, self.view_action) else queryset.none()

    @admin.display(description=_("指标名称"))
    def metric_label(self, obj):
        m = known_metrics(obj.unit_kind).get(obj.metric)
        return m.label_zh if m else obj.metric


@admin.register(CaseRollup)
class CaseRollupAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_action = "evaluation.view"
    edit_action = None  # read-only for everybody: rollups follow the cases
    list_display = ("unit_kind", "unit_code", "category_id", "day", "received", "closed",
                    "satisfied")
    list_filter = ("unit_kind",)
    search_fields = ("^unit_code",)
    date_hierarchy = "day"
    readonly_fields = ("unit_kind", "unit_code", "category_id", "day", *COUNTERS)
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def area_of(self, obj) -> str:
        return obj.unit_code if obj.unit_kind != UnitKind.DEPARTMENT else ""

    def scope_queryset(self, actor, queryset):
        scope = permissions.scope_of(actor)
        if scope.area is None or not permissions.role_may(actor, self.view_action):
            return queryset.none()
        if scope.department_id is not None:
            return queryset.filter(unit_kind=UnitKind.DEPARTMENT,
                                   unit_code=str(scope.department_id))
        return queryset.filter(unit_code__startswith=scope.area).exclude(
            unit_kind=UnitKind.DEPARTMENT) if scope.area else queryset

