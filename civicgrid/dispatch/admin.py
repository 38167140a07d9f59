"""Admin pages of dispatch: departments, the category catalogue (with Excel import/export through
django-import-export, whose import is handed to services.catalogue_apply so that the admin and
`civicgrid categories import` accept and refuse exactly the same files) and the responsibility
list. Every save goes through the services (checks, cache invalidation)."""

import tablib
from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from civicgrid.accounts.admin import ScopedAdminMixin
from civicgrid.core import permissions
from civicgrid.core.calendar import DeadlineUnit
from civicgrid.core.codes import ancestor_codes
from civicgrid.core.import_resource import AllOrNothingResource

from . import services
from .catalogue import HEADERS, export_rows
from .models import Category, Department, RoutingRule
from .selectors import routing_rules_visible

UNIT_FIELDS = ("register_unit", "dispatch_unit", "handle_unit")


class CategoryResource(AllOrNothingResource):
    """Excel rows ⇄ the catalogue, in the format of catalogue.py (Chinese headers)."""

    class Meta:
        model = Category
        import_id_fields = ("code",)
        fields = tuple(HEADERS)

    def export(self, queryset=None, **kwargs):
        queryset = Category.objects.all() if queryset is None else queryset
        header, rows = export_rows(list(queryset.select_related("parent").order_by("code")))
        return tablib.Dataset(*rows, headers=header)

    def apply_records(self, records, dry_run):
        permissions.require(self.actor, "category.edit", services.CITY)
        return services.catalogue_apply(records, dry_run=dry_run).outcomes

    def record_repr(self, record):
        return str(record.get("分类编码") or record.get("code") or "")


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


@admin.register(Category)
class CategoryAdmin(ScopedAdminMixin, ImportExportMixin, admin.ModelAdmin):
    """The catalogue, shown as a tree (indented by depth), editable by city administrators;
    Excel import goes through services.catalogue_apply: all rows or none."""

    view_action = "case.view"
    edit_action = "category.edit"
    resource_classes = [CategoryResource]
    formats = [XLSX, CSV]
    skip_admin_log = True  # the import writes through the service, not row by row
    skip_export_form = True  # the export is always the whole file format of catalogue.py
    list_display = ("code", "tree_name", "stream", "kind", "handle_deadline",
                    "default_unit_kind", "keywords", "active")
    list_filter = ("stream", "kind", "default_unit_kind", "active")
    search_fields = ("^code", "name", "keywords")
    ordering = ("code",)
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    list_per_page = 200

    def area_of(self, obj):
        return ""  # the catalogue belongs to the whole city

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in UNIT_FIELDS:  # plain CharFields in the model: offer the units
            return forms.TypedChoiceField(label=db_field.verbose_name, choices=DeadlineUnit.choices,
                                          initial=db_field.default)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _may(self, request, action, obj=None):
        # Adding a category is also a change to the city's catalogue: only city-wide scopes.
        return super()._may(request, action, obj if obj is not None else Category())

    def scope_queryset(self, actor, queryset):
        return queryset

    @admin.display(description=_("名称"), ordering="code")
    def tree_name(self, obj):
        depth, node, seen = 0, obj, set()
        parents = self._parents()
        while parents.get(node.pk) and node.pk not in seen:
            seen.add(node.pk)
            depth += 1
            node = Category(pk=parents[node.pk])
        return "　" * depth + ("└ " if depth else "") + obj.name

    def _parents(self):
        if getattr(self, "_parent_cache", None) is None:
            self._parent_cache = dict(Category.objects.values_list("id", "parent_id"))
        return self._parent_cache

    def changelist_view(self, request, extra_context=None):
        self._parent_cache = None
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("处置时限"))
    def handle_deadline(self, obj):
        return f"{obj.handle_limit:g} {DeadlineUnit(obj.handle_unit).label}"

    def instance_errors(self, actor, instance, form):
        return super().instance_errors(actor, instance, form) + services.category_problems(
            instance)

    def save_model(self, request, obj, form, change):
        fields = {f: form.cleaned_data[f] for f in form.changed_data}
        if change:
            services.category_update(actor=request.user, category=Category.objects.get(pk=obj.pk),
                                     **fields)
        else:
            fields = {f: v for f, v in form.cleaned_data.items() if f not in ("code", "name")}
            created = services.category_create(actor=request.user, code=obj.code, name=obj.name,
                                               **fields)
            obj.pk = created.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.reset_dispatch_caches()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.reset_dispatch_caches()

    # import-export: the actor reaches the resource, the policy decides.
    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "actor": request.user}

    def has_import_permission(self, request):
        return self._may(request, self.edit_action)

    def has_export_permission(self, request):
        return self._may(request, self.view_action)


@admin.register(RoutingRule)
class RoutingRuleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The responsibility list: a district administrator edits their district's lines and sees
    the city's lines above them."""

    view_action = "department.view"
    edit_action = "routing.edit"
    list_display = ("id", "category", "area_code", "target", "department", "priority", "note",
                    "active")
    list_filter = ("target", "active", "category__stream", "category__kind")
    search_fields = ("category__name", "^category__code", "^area_code", "department__name",
                     "note")
    list_select_related = ("category", "department")
    autocomplete_fields = ("category", "department")

    def scope_queryset(self, actor, queryset):
        return queryset.filter(pk__in=routing_rules_visible(actor).values("pk"))

    def instance_errors(self, actor, instance, form):
        return super().instance_errors(actor, instance, form) + services.rule_problems(instance)

    def save_model(self, request, obj, form, change):
        fields = {f: form.cleaned_data[f] for f in ("category", "area_code", "target",
                                                     "department", "priority", "note", "active")}
        if change:
            services.routing_rule_update(actor=request.user,
                                         rule=RoutingRule.objects.get(pk=obj.pk), **fields)
        else:
            obj.pk = services.routing_rule_create(actor=request.user, **fields).pk

    def delete_model(self, request, obj):
        services.routing_rule_delete(actor=request.user, rule=obj)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            services.routing_rule_delete(actor=request.user, rule=rule)
