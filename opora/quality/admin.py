"""Setting up QA and audits: scorecards with criteria, programmes with checklists, scenarios,
waves, locations, shoppers and reviewers. Reviews and visits are made in the app, not here."""

from django.contrib import admin

from .models import (
    AuditProgramme,
    ChecklistItem,
    Criterion,
    Location,
    Reviewer,
    Scenario,
    Scorecard,
    Shopper,
    Wave,
)

CRITERION_FIELDS = (
    "position",
    "title",
    "kind",
    "scale_max",
    "weight",
    "allows_na",
    "auto_fail",
    "description",
)


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = CRITERION_FIELDS


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ("name", "channel", "is_active")
    list_filter = ("channel", "is_active")
    inlines = [CriterionInline]


class ChecklistInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ("area", *CRITERION_FIELDS)


class ScenarioInline(admin.StackedInline):
    model = Scenario
    extra = 0


class WaveInline(admin.TabularInline):
    model = Wave
    extra = 0


@admin.register(AuditProgramme)
class AuditProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "wave_interval_days")
    inlines = [ChecklistInline, ScenarioInline, WaveInline]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "back_office")
    list_filter = ("back_office", "city")


@admin.register(Shopper)
class ShopperAdmin(admin.ModelAdmin):
    list_display = ("user", "city", "birth_year", "profile", "is_active")
    list_filter = ("city", "profile", "is_active")
    raw_id_fields = ("user",)


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    raw_id_fields = ("user",)
