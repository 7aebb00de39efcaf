from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Team, User


@admin.register(User)
class OporaUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "teams")
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Opora"), {"fields": ("role", "language", "time_zone", "sees_all_tickets")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "line", "lead", "is_default")
    filter_horizontal = ("members",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at")

    def save_model(self, request, obj, form, change):
        if not change:
            raw = obj.set_new_key()
            self.message_user(
                request,
                _("Token created. Copy it now, it is not shown again: %(raw)s") % {"raw": raw},
            )
        super().save_model(request, obj, form, change)
