from django.contrib import admin

from .models import CustomerHandle, Mention, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_active")


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = (
        "source",
        "external_id",
        "published_at",
        "sentiment_label",
        "sentiment",
        "customer",
    )
    list_filter = ("source", "sentiment_label", "language")
    search_fields = ("text", "author_name", "author_handle", "author_email")
    raw_id_fields = ("customer", "ticket", "reason", "handled_by")


@admin.register(CustomerHandle)
class CustomerHandleAdmin(admin.ModelAdmin):
    list_display = ("handle", "customer")
    raw_id_fields = ("customer",)
