"""Admin for API tokens: list and revoke. The key is never shown (only its first characters);
tokens are created with `civicgrid api token create`, which prints the key once."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.admin import ScopedAdminMixin
from civicgrid.core import permissions

from .models import ApiToken
from .tokens import token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_action = edit_action = "user.manage"
    list_display = ("name", "key_prefix", "user", "kind", "rate_limit_per_minute", "created_at",
                    "last_used_at", "revoked_at")
    list_filter = ("kind", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "user__username", "=key_prefix")
    list_select_related = ("user",)
    readonly_fields = ("user", "kind", "key_prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("name", "user", "kind", "key_prefix", "rate_limit_per_minute", "created_at",
              "last_used_at", "revoked_at")
    actions = ["revoke"]

    def area_of(self, obj):
        return obj.user.area_code if obj.user_id else None

    def scope_queryset(self, actor, queryset):
        # A token belongs where its user's scope lies (department users: their department's area).
        scope = permissions.scope_of(actor)
        if scope.area is None:
            return queryset.none()
        return queryset.filter(user__area_code__startswith=scope.area)

    def has_add_permission(self, request, *args):
        return False  # the key must be shown once, which the command line does

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        n = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token)
            n += 1
        self.message_user(request, _("已吊销 %(n)d 个令牌。") % {"n": n}, messages.SUCCESS)
