"""The ledgers in the Django admin (Chinese like the rest), one page per ledger.

Rows are scoped by the permission policy (accounts.admin.ScopedAdminMixin with the registry
actions): staff see their area's rows, the community keeps its own, the street commander the
street's, admins theirs. A form is checked exactly like an imported row (services.row_problems)
and saved through the services, so every change has its history entry with the acting user
(django-simple-history's "历史" button). Excel import/export go through resources.py; imports
need `registry.import`. Volunteers' ID numbers and phones are masked for roles without
`registry.view_personal`, in lists, forms and history alike.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from civicgrid.accounts.admin import ScopedAdminMixin
from civicgrid.cases.privacy import mask_phone

from . import services
from .ledgers import ledger_of_model
from .models import (
    AlleySteward,
    BuildingStation,
    CommunityBody,
    Enterprise,
    Facility,
    LaneChief,
    SocialOrganization,
    TrainingRecord,
    Volunteer,
    Worker,
)
from .resources import RESOURCES
from .selectors import ledger_rows, masked_for


class LedgerAdmin(ScopedAdminMixin, ImportExportMixin, SimpleHistoryAdmin):
    view_action = "registry.view"
    edit_action = "registry.edit"
    formats = [XLSX, CSV]
    skip_admin_log = True  # imports write through the service (each change has its history)
    skip_export_form = True  # the export is always the ledger's whole file format
    list_per_page = 100

    @property
    def ledger(self):
        return ledger_of_model(self.model)

    def get_resource_classes(self, request=None):
        return [RESOURCES[self.ledger.name]]

    def scope_queryset(self, actor, queryset):
        return queryset.filter(pk__in=ledger_rows(actor, self.ledger).values("pk"))

    def area_of(self, obj):
        # Whether one may change a row depends on where it is stored, not on where a submitted
        # form (which fills the instance in place) wants to move it; the move itself is
        # checked by instance_errors.
        if obj.pk:
            stored = type(obj).objects.filter(pk=obj.pk).values(
                "district_code", "street_code", "community_code").first()
            if stored:
                return (stored["community_code"] or stored["street_code"]
                        or stored["district_code"])
        return obj.area_code

    def instance_errors(self, actor, instance, form):
        # The same checks as an imported row, the actor's scope included.
        return services.row_problems(self.ledger, instance, actor=actor)

    def save_model(self, request, obj, form, change):
        services.ledger_row_save(actor=request.user, row=obj)

    def delete_model(self, request, obj):
        services.ledger_row_delete(actor=request.user, row=obj)

    def delete_queryset(self, request, queryset):
        for row in queryset:
            services.ledger_row_delete(actor=request.user, row=row)

    # import-export: the actor reaches the resource, the policy decides.
    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "actor": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "actor": request.user}

    def has_import_permission(self, request):
        return self._may(request, "registry.import")

    def has_export_permission(self, request):
        return self._may(request, self.view_action)


@admin.register(CommunityBody)
class CommunityBodyAdmin(LedgerAdmin):
    list_display = ("community_code", "committee_name", "party_org_kind", "population",
                    "households", "facility_area_m2", "street_code")
    list_filter = ("party_org_kind",)
    search_fields = ("^community_code", "committee_name", "party_org_name", "station_name")
    readonly_fields = ("district_code", "street_code")


@admin.register(SocialOrganization)
class SocialOrganizationAdmin(LedgerAdmin):
    list_display = ("code", "name", "org_type", "status", "hub_level", "has_party_org",
                    "is_social_work_agency", "area_code")
    list_filter = ("org_type", "status", "hub_level", "has_party_org", "is_social_work_agency")
    search_fields = ("^code", "name", "service_fields")
    autocomplete_fields = ("communities_served",)


class TrainingInline(admin.TabularInline):
    """Training records follow their worker's permissions."""

    model = TrainingRecord
    extra = 0
    fields = ("date", "course", "hours")

    def _may(self, request, obj):
        parent = admin.site._registry[Worker]
        return parent._may(request, parent.edit_action, obj)

    def has_view_permission(self, request, obj=None):
        parent = admin.site._registry[Worker]
        return parent.has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj)


@admin.register(Worker)
class WorkerAdmin(LedgerAdmin):
    list_display = ("code", "name", "kind", "certificate", "employer", "area_code",
                    "valid_from", "valid_to")
    list_filter = ("kind", "certificate")
    search_fields = ("^code", "name", "employer")
    inlines = [TrainingInline]


@admin.register(Volunteer)
class VolunteerAdmin(LedgerAdmin):
    list_display = ("code", "name", "masked_id_number", "masked_phone", "organisation",
                    "service_hours", "area_code")
    search_fields = ("^code", "name", "organisation")

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj):
        return mask_phone(obj.id_number)

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    def _masked(self, request) -> bool:
        return not request.user.is_superuser and masked_for(request.user, self.ledger)

    def get_list_display(self, request):
        if self._masked(request):
            return self.list_display
        return tuple({"masked_id_number": "id_number", "masked_phone": "phone"}.get(f, f)
                     for f in self.list_display)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self._masked(request):
            return fields
        return [{"id_number": "masked_id_number", "phone": "masked_phone"}.get(f, f)
                for f in fields]

    def get_readonly_fields(self, request, obj=None):
        extra = ("masked_id_number", "masked_phone") if self._masked(request) else ()
        return (*super().get_readonly_fields(request, obj), *extra)

    def has_view_history_or_change_history_permission(self, request, obj=None):
        # The history shows old values in full: only for those who may see personal data.
        return (not self._masked(request)
                and super().has_view_history_or_change_history_permission(request, obj))


@admin.register(Facility)
class FacilityAdmin(LedgerAdmin):
    list_display = ("code", "name", "kind", "area_m2", "opening_hours", "lon", "lat",
                    "area_code")
    list_filter = ("kind",)
    search_fields = ("^code", "name", "address")


@admin.register(BuildingStation)
class BuildingStationAdmin(LedgerAdmin):
    list_display = ("code", "name", "mode", "has_party_org", "area_code")
    list_filter = ("mode", "has_party_org")
    search_fields = ("^code", "name", "buildings")


@admin.register(Enterprise)
class EnterpriseAdmin(LedgerAdmin):
    list_display = ("code", "name", "industry", "employees", "station", "has_party_org",
                    "area_code")
    list_filter = ("has_party_org",)
    search_fields = ("^code", "name", "building")
    autocomplete_fields = ("station",)
    list_select_related = ("station",)


@admin.register(LaneChief)
class LaneChiefAdmin(LedgerAdmin):
    list_display = ("code", "name", "position", "lanes", "area_code")
    search_fields = ("^code", "name", "lanes")


@admin.register(AlleySteward)
class AlleyStewardAdmin(LedgerAdmin):
    list_display = ("code", "name", "lanes", "chief", "area_code")
    search_fields = ("^code", "name", "lanes")
    autocomplete_fields = ("chief",)
    list_select_related = ("chief",)

