from django.contrib import admin

from .models import ForecastRun


@admin.register(ForecastRun)
class ForecastRunAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "reason",
        "interval_minutes",
        "model_name",
        "backtest_wape",
    ]
    list_filter = ["channel", "interval_minutes"]
    readonly_fields = ["created_by"]
