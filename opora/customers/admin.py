from django.contrib import admin

from .models import Customer, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "tier", "domain", "shared_tickets")
    list_filter = ("kind", "tier")
    search_fields = ("name", "domain", "inn")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "organisation", "tier", "language")
    list_filter = ("tier", "language")
    search_fields = ("name", "email", "phone", "external_id")
    raw_id_fields = ("organisation", "purchaser", "user")
