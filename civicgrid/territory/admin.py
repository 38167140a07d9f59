"""The territory in the Django admin (Chinese, like the rest of the admin).

Geometry is WKB and not edited here (boundaries come in through `civicgrid territory import`):
pages show the area in m², a small drawing and a GeoJSON excerpt instead of bytes. Foreign keys
use autocomplete (there are ~16,000 grids: no giant selects). Rows are scoped by the permission
policy (accounts.admin.ScopedAdminMixin). Every change to a place name bumps the territory
revision, so cached locators and gazetteers rebuild.
"""

from __future__ import annotations

from types import SimpleNamespace

import shapely
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.accounts.admin import ScopedAdminMixin, scoped_by_fields
from civicgrid.core import permissions
from civicgrid.core.codes import code_error, level_of

from .models import (
    Community,
    District,
    Grid,
    GridAssignment,
    GridCrosswalk,
    GridWorker,
    MicroGrid,
    PlaceAlias,
    SourceGrid,
    Street,
    TerritoryRevision,
)
from .services import territory_touch

GEOJSON_EXCERPT = 600  # characters of GeoJSON shown on a change page


def geometry_html(geometry) -> str:
    """A drawing (inline SVG, north up), a one-line summary and a GeoJSON excerpt."""
    if not geometry:
        return _("（无边界）")
    shape = shapely.from_wkb(bytes(geometry))
    minx, miny, maxx, maxy = shape.bounds
    size = max(maxx - minx, maxy - miny) or 1e-6
    # shapely's svg() is numbers and fixed attribute names only: safe to embed.
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" '
           f'viewBox="{minx - size * 0.05} {-maxy - size * 0.05} {size * 1.1} {size * 1.1}">'
           f'<g transform="scale(1,-1)">{shape.svg(scale_factor=size / 150)}</g></svg>')
    text = shapely.to_geojson(shape)
    centre = shape.centroid
    summary = _("%(type)s，%(n)d个顶点，中心点 %(x).6f, %(y).6f，范围 %(bounds)s") % {
        "type": shape.geom_type, "n": shapely.get_num_coordinates(shape), "x": centre.x,
        "y": centre.y, "bounds": ", ".join(f"{v:.6f}" for v in shape.bounds)}
    excerpt = text if len(text) <= GEOJSON_EXCERPT else text[:GEOJSON_EXCERPT] + " …"
    return format_html('<div>{}</div><div>{}</div><pre style="white-space:pre-wrap;'
                       'max-width:60em">{}</pre>', mark_safe(svg), summary, excerpt)


class StreetOfDistrictFilter(admin.SimpleListFilter):
    """Streets of the district chosen in the district filter (349 streets in one list would
    drown the sidebar)."""

    title = gettext_lazy("街道乡镇")
    parameter_name = "street"
    district_param = "district__code__exact"

    def lookups(self, request, model_admin):
        district = request.GET.get(self.district_param)
        if not district:
            return []
        streets = permissions.visible(request.user, Street.objects.filter(district_id=district)) \
            if not request.user.is_superuser else Street.objects.filter(district_id=district)
        return list(streets.values_list("code", "name"))

    def queryset(self, request, queryset):
        return queryset.filter(street_id=self.value()) if self.value() else queryset


class TerritoryChangeMixin:
    """Saving or deleting a place bumps the territory revision in the same transaction."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        territory_touch()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        territory_touch()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        territory_touch()


class AreaNodeAdmin(TerritoryChangeMixin, ScopedAdminMixin, admin.ModelAdmin):
    parent_field = ""  # the FK whose code prefixes this node's code
    derived_fields: tuple[str, ...] = ()  # ancestors copied from the parent on save
    search_fields = ("^code", "name")
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        fields = ("area", "geometry_preview", "updated_at", *self.derived_fields)
        return ("code", *fields) if obj is not None else fields

    @admin.display(description=gettext_lazy("面积(平方米)"), ordering="area_m2")
    def area(self, obj):
        return "—" if obj.area_m2 is None else f"{obj.area_m2:,.0f}"

    @admin.display(description=gettext_lazy("边界预览"))
    def geometry_preview(self, obj):
        return geometry_html(obj.geometry)

    def instance_errors(self, actor, instance, form):
        parent = getattr(instance, f"{self.parent_field}_id", None) if self.parent_field else None
        error = code_error(instance.code or "", self.model.level, parent)
        return [error] if error else super().instance_errors(actor, instance, form)

    def save_model(self, request, obj, form, change):
        parent = getattr(obj, self.parent_field) if self.parent_field else None
        for name in self.derived_fields:  # e.g. a grid's street and district: its community's
            setattr(obj, f"{name}_id", parent.code if name == self.parent_field
                    else getattr(parent, f"{name}_id"))
        super().save_model(request, obj, form, change)


@admin.register(District)
class DistrictAdmin(AreaNodeAdmin):
    list_display = ("code", "name", "area", "updated_at")


@admin.register(Street)
class StreetAdmin(AreaNodeAdmin):
    parent_field = "district"
    list_display = ("code", "name", "district", "kind", "area")
    list_filter = ("kind", ("district", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("district",)
    autocomplete_fields = ("district",)


@admin.register(Community)
class CommunityAdmin(AreaNodeAdmin):
    parent_field = "street"
    derived_fields = ("district",)
    list_display = ("code", "name", "street", "district", "kind", "area")
    list_filter = ("kind", ("district", admin.RelatedOnlyFieldListFilter), StreetOfDistrictFilter)
    list_select_related = ("street", "district")
    autocomplete_fields = ("street",)


@admin.register(Grid)
class GridAdmin(AreaNodeAdmin):
    parent_field = "community"
    derived_fields = ("street", "district")
    list_display = ("code", "name", "community", "street", "district", "area")
    list_filter = (("district", admin.RelatedOnlyFieldListFilter), StreetOfDistrictFilter)
    list_select_related = ("community", "street", "district")
    autocomplete_fields = ("community",)


@admin.register(MicroGrid)
class MicroGridAdmin(AreaNodeAdmin):
    parent_field = "grid"
    list_display = ("code", "name", "grid", "area")
    list_select_related = ("grid",)
    autocomplete_fields = ("grid",)


@admin.register(SourceGrid)
class SourceGridAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("layer", "source_code", "name", "district", "area")
    list_filter = ("layer", ("district", admin.RelatedOnlyFieldListFilter))
    search_fields = ("source_code", "name")
    list_select_related = ("district",)
    autocomplete_fields = ("district",)
    readonly_fields = ("area", "geometry_preview", "imported_at")

    def area_of(self, obj):
        return obj.district_id or ""

    area = AreaNodeAdmin.area
    geometry_preview = AreaNodeAdmin.geometry_preview


@admin.register(GridCrosswalk)
class GridCrosswalkAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Written by `civicgrid territory fuse` only: read-only here."""

    edit_action = None
    list_display = ("grid", "layer", "source_grid", "share_of_grid", "share_of_source")
    list_filter = ("layer",)
    search_fields = ("^grid__code", "source_grid__source_code")
    list_select_related = ("grid", "source_grid")

    def area_of(self, obj):
        return obj.grid_id

    def scope_queryset(self, actor, queryset):
        return scoped_by_fields(actor, queryset, {6: "grid__district_id", 9: "grid__street_id",
                                                  12: "grid__community_id", 15: "grid_id"})


class GridAssignmentInline(admin.TabularInline):
    model = GridAssignment
    extra = 1
    autocomplete_fields = ("grid",)
    fields = ("grid", "since")
    verbose_name_plural = gettext_lazy("负责网格")

    def _may_edit(self, request, obj):
        user = request.user
        if user.is_superuser:
            return True
        # obj is the worker, placed by its street.
        target = None if obj is None else SimpleNamespace(area_code=obj.street_id)
        return permissions.may(user, "staffing.edit", target)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or permissions.may(request.user, "staffing.view")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        actor = request.user
        form_class = formset.form

        def _post_clean(form):
            form_class._post_clean(form)
            grid = form.cleaned_data.get("grid") if not form._errors else None
            if grid is not None and not actor.is_superuser and not permissions.may(
                    actor, "staffing.edit", grid):
                form.add_error("grid", _("只能分配您辖区内的网格。"))

        formset.form = type(form_class.__name__, (form_class,), {"_post_clean": _post_clean})
        return formset


@admin.register(GridWorker)
class GridWorkerAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_action = "staffing.view"
    edit_action = "staffing.edit"
    list_display = ("name", "force", "street", "district", "organisation", "phone", "n_grids",
                    "active")
    list_filter = ("force", "active", ("district", admin.RelatedOnlyFieldListFilter),
                   StreetOfDistrictFilter)
    search_fields = ("name", "phone", "organisation")
    list_select_related = ("street", "district")
    autocomplete_fields = ("street", "user")
    readonly_fields = ("district",)
    inlines = (GridAssignmentInline,)

    def area_of(self, obj):
        return obj.street_id

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(grid_count=Count("assignments"))

    @admin.display(description=gettext_lazy("网格数"), ordering="grid_count")
    def n_grids(self, obj):
        return obj.grid_count

    def save_model(self, request, obj, form, change):
        obj.district_id = obj.street.district_id
        super().save_model(request, obj, form, change)


@admin.register(PlaceAlias)
class PlaceAliasAdmin(TerritoryChangeMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("alias", "code", "note")
    search_fields = ("alias", "^code")
    readonly_fields = ("place",)

    def area_of(self, obj):
        return obj.code

    def scope_queryset(self, actor, queryset):
        area = permissions.scope_of(actor).area
        if area is None:
            return queryset.none()
        return queryset.filter(code__startswith=area)

    @admin.display(description=gettext_lazy("对应区域"))
    def place(self, obj):
        from .selectors import MODEL_OF_LEVEL

        model = MODEL_OF_LEVEL.get(level_of(obj.code) or "")
        node = model.objects.filter(code=obj.code).only("name").first() if model else None
        return node.name if node else _("（不存在）")

    def instance_errors(self, actor, instance, form):
        from .selectors import MODEL_OF_LEVEL

        model = MODEL_OF_LEVEL.get(level_of(instance.code or "") or "")
        if model is None or not model.objects.filter(code=instance.code).exists():
            return [_("区域编码“%(code)s”不存在：请填写已有的区县、街道、社区或网格编码。")
                    % {"code": instance.code}]
        return super().instance_errors(actor, instance, form)


@admin.register(TerritoryRevision)
class TerritoryRevisionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Bumped by the territory services; shown to check that a change was noticed."""

    edit_action = None
    list_display = ("id", "revision", "changed_at")

    def area_of(self, obj):
        return ""  # city-wide: everybody who may read the territory may read it

    def scope_queryset(self, actor, queryset):
        return queryset
