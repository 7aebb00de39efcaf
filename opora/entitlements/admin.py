from django.contrib import admin

from .models import Asset, AssetPlan, Product, SupportPlan, TicketCoverage


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "sku", "is_active")
    search_fields = ("name", "name_en", "sku")


@admin.register(SupportPlan)
class SupportPlanAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "name_en",
        "code",
        "kind",
        "covers",
        "term_length",
        "term_unit",
        "sla_policy",
    )
    list_filter = ("kind", "covers", "is_active")
    filter_horizontal = ("products",)


class AssetPlanInline(admin.TabularInline):
    model = AssetPlan
    extra = 0


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("serial", "product", "customer", "purchased_on")
    search_fields = ("serial", "customer__name", "customer__email")
    list_select_related = ("product", "customer")
    raw_id_fields = ("customer",)
    inlines = [AssetPlanInline]


@admin.register(TicketCoverage)
class TicketCoverageAdmin(admin.ModelAdmin):
    list_display = ("ticket", "serial", "reason", "covered_until", "checked_at")
    list_filter = ("reason",)
    raw_id_fields = ("ticket", "asset", "checked_by")
