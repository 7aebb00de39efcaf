from django.contrib import admin

from .models import (
    CustomerProfile,
    FollowUp,
    Invitation,
    Response,
    ReviewRequest,
    Survey,
    SurveyExclusion,
    SurveyVersion,
)


class SurveyVersionInline(admin.TabularInline):
    model = SurveyVersion
    extra = 0
    fields = ("number", "questions", "rules", "created_at")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "audience", "is_active", "alert_at_or_below")
    list_filter = ("kind", "audience", "is_active")
    inlines = [SurveyVersionInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("version", "customer", "ticket", "channel", "sent_at", "answered_at")
    list_filter = ("channel",)
    raw_id_fields = ("customer", "ticket")
    readonly_fields = ("nonce",)


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("kind", "score", "invitation", "created_at", "completed_at")
    list_filter = ("kind",)
    readonly_fields = ("invitation", "version", "kind", "score", "answers", "comment", "created_at")


@admin.register(SurveyExclusion)
class SurveyExclusionAdmin(admin.ModelAdmin):
    list_display = ("customer", "reason", "created_at")
    raw_id_fields = ("customer",)


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("response", "ticket", "owner", "status", "due_at")
    list_filter = ("status",)
    raw_id_fields = ("response", "ticket")


@admin.register(CustomerProfile)
class CustomerProfileAdmin(admin.ModelAdmin):
    list_display = ("customer", "annual_revenue", "purchase_count")
    raw_id_fields = ("customer",)


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    """A record of what was decided per purchase; sending is the scheduler's, not an admin's."""

    list_display = ("asset", "customer", "status", "skipped_because", "sent_at")
    list_filter = ("status",)
    readonly_fields = ("asset", "customer", "status", "skipped_because", "created_at", "sent_at")

    def has_add_permission(self, request) -> bool:
        return False
