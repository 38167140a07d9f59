"""Admin: subscriptions (created with `civicgrid webhooks subscribe`, which shows the secret
once; here they are listed, edited and switched off) and deliveries (read-only, with a replay
action). Admins see the subscriptions of owners in their scope."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.admin import ScopedAdminMixin
from civicgrid.core import permissions
from civicgrid.core.errors import DomainError

from .models import Delivery, Subscription
from .services import check_event_types, check_target_url, delivery_replay


def _owner_scope(actor, queryset, field: str):
    scope = permissions.scope_of(actor)
    if scope.area is None:
        return queryset.none()
    return queryset.filter(**{f"{field}__area_code__startswith": scope.area})


@admin.register(Subscription)
class SubscriptionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_action = edit_action = "webhook.manage"
    list_display = ("name", "owner", "target_url", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "owner__username", "target_url")
    list_select_related = ("owner",)
    readonly_fields = ("owner", "created_at")
    fields = ("name", "owner", "target_url", "event_types", "active", "created_at")

    def area_of(self, obj):
        return obj.owner.area_code if obj.owner_id else None

    def scope_queryset(self, actor, queryset):
        return _owner_scope(actor, queryset, "owner")

    def has_add_permission(self, request, *args):
        return False  # the secret must be shown once, which the command line does

    def instance_errors(self, actor, instance, form):
        errors = super().instance_errors(actor, instance, form)
        try:
            check_target_url(instance.target_url)
            instance.event_types = check_event_types(instance.event_types)
        except DomainError as exc:
            errors.append(exc.message)
        return errors


@admin.register(Delivery)
class DeliveryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_action = "webhook.manage"
    edit_action = None  # deliveries are records; the replay action is the only change
    list_display = ("id", "event_type", "subscription", "status", "attempts", "last_status_code",
                    "next_attempt_at", "delivered_at", "created_at")
    list_filter = ("status", "event_type")
    search_fields = ("=id", "subscription__name", "=event__case__number")
    list_select_related = ("subscription",)
    readonly_fields = ("subscription", "event", "event_type", "payload", "status", "attempts",
                       "last_status_code", "last_error", "next_attempt_at", "locked_until",
                       "delivered_at", "replays", "created_at")
    actions = ["replay"]

    def area_of(self, obj):
        return obj.subscription.owner.area_code

    def scope_queryset(self, actor, queryset):
        return _owner_scope(actor, queryset, "subscription__owner")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._may(request, "webhook.manage"):
            actions.pop("replay", None)
        return actions

    @admin.action(description=_("重发所选推送"))
    def replay(self, request, queryset):
        done, busy = 0, 0
        for delivery in queryset.select_related("subscription"):
            try:
                delivery_replay(delivery=delivery, actor=request.user)
                done += 1
            except DomainError:
                busy += 1
        self.message_user(request, _("已安排重发 %(n)d 条推送。") % {"n": done}, messages.SUCCESS)
        if busy:
            self.message_user(request, _("%(n)d 条正在发送中，未重发。") % {"n": busy},
                              messages.WARNING)
