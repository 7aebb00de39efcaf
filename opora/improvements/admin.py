from django.contrib import admin

from . import services
from .models import FactorWeight, Idea, ImprovementItem


@admin.register(FactorWeight)
class FactorWeightAdmin(admin.ModelAdmin):
    """Saving a weight rescores every item (opora.improvements.receivers)."""

    list_display = ("factor", "weight")
    list_editable = ("weight",)


@admin.register(ImprovementItem)
class ImprovementItemAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "is_safety", "score", "source_kind", "owner", "owner_name")
    list_filter = ("status", "source_kind", "is_safety")
    search_fields = ("title", "owner_name", "owner_department")
    readonly_fields = ("score", "is_safety", "completed_at")
    filter_horizontal = ("reasons",)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        services.rescore(form.instance)


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "status", "created_at")
    list_filter = ("status",)
