from django.contrib import admin

from .models import Account, CustomerDates, LifecycleDelivery, LifecycleMessage, UsageSignal


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("organisation", "owner", "renewal_on", "health_score", "health_band")
    list_filter = ("health_band",)
    raw_id_fields = ("organisation", "owner")
    readonly_fields = (
        "health_score",
        "health_band",
        "churn_reasons",
        "expansion_reasons",
        "health_updated_at",
    )


@admin.register(LifecycleMessage)
class LifecycleMessageAdmin(admin.ModelAdmin):
    list_display = ("name", "event", "days", "is_active")
    list_filter = ("event", "is_active")


@admin.register(LifecycleDelivery)
class LifecycleDeliveryAdmin(admin.ModelAdmin):
    list_display = ("message", "customer", "occasion", "created_at", "sent_at")
    list_filter = ("message",)
    raw_id_fields = ("customer", "organisation")


admin.site.register(CustomerDates, raw_id_fields=("customer",))
admin.site.register(UsageSignal, list_display=("organisation", "metric", "value", "recorded_on"))
