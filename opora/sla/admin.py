"""Calendars and policies in the Django admin; the models' clean() names each bad field."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import BusinessCalendar, SlaPolicy, SlaTarget


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "country")
    search_fields = ("name",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "position",
        "is_active",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "calendar",
    )
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "calendar")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "position", "is_active", "conditions")}),
        (
            _("Targets"),
            {
                "fields": (
                    "first_response_minutes",
                    "next_response_minutes",
                    "resolution_minutes",
                    "calendar",
                    "warning_threshold_percent",
                )
            },
        ),
        (
            _("On breach"),
            {
                "fields": (
                    "notify_on_breach",
                    "raise_priority_on_breach",
                    "escalate_line_on_breach",
                )
            },
        ),
    )


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    """Read-only: targets are the record of what was promised and what happened."""

    list_display = (
        "ticket",
        "kind",
        "status",
        "started_at",
        "due_at",
        "breached_at",
        "achieved_at",
    )
    list_filter = ("kind", "status")
    raw_id_fields = ("ticket",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
