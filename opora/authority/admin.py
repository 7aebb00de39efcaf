from django.contrib import admin

from .models import AuthorityLimit, Compensation, HandOff


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(admin.ModelAdmin):
    list_display = ("role", "team", "kind", "max_amount", "currency", "max_count", "period")
    list_filter = ("role", "team", "kind")


@admin.register(Compensation)
class CompensationAdmin(admin.ModelAdmin):
    """Read-only: grants change only through approval, so the ticket history stays true."""

    list_display = ("ticket", "kind", "amount", "currency", "status", "requested_by", "created_at")
    list_filter = ("status", "kind", "currency")
    raw_id_fields = ("ticket",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HandOff)
class HandOffAdmin(admin.ModelAdmin):
    list_display = ("ticket", "from_user", "to_team", "status", "created_at", "answered_at")
    list_filter = ("status", "to_team")
    raw_id_fields = ("ticket",)
