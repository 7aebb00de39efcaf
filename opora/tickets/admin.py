from django.contrib import admin

from .models import AuditEvent, CannedResponse, ContactReason, CustomField, Tag, Ticket


@admin.register(ContactReason)
class ContactReasonAdmin(admin.ModelAdmin):
    list_display = ("path_label", "name_en", "is_active")
    list_select_related = ("parent",)


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "kind", "is_active")


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ("title", "team", "owner", "language")


admin.site.register(Tag)


class AuditInline(admin.TabularInline):
    model = AuditEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "via", "action", "field", "old_value", "new_value")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: changes belong in the workspace, where they are audited."""

    list_display = (
        "pk",
        "subject",
        "status",
        "priority",
        "channel",
        "team",
        "assignee",
        "created_at",
    )
    list_filter = ("status", "priority", "channel", "team")
    search_fields = ("subject",)
    list_select_related = ("team", "assignee")
    raw_id_fields = ("customer", "organisation", "merged_into", "assignee", "reason")
    readonly_fields = [f.name for f in Ticket._meta.fields]
    inlines = [AuditInline]
