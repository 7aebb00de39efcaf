"""Pulse surveys and hires/leavers. Answers are never listed here: they are anonymous and only
shown aggregated, for groups of five or more, on the results page."""

from django.contrib import admin

from .models import PulseQuestion, PulseSurvey, StaffMovement


class QuestionInline(admin.TabularInline):
    model = PulseQuestion
    extra = 0


@admin.register(PulseSurvey)
class PulseSurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "opens_on", "closes_on")
    filter_horizontal = ("teams",)
    inlines = [QuestionInline]


@admin.register(StaffMovement)
class StaffMovementAdmin(admin.ModelAdmin):
    list_display = ("team", "kind", "on", "user", "note")
    list_filter = ("team", "kind")
    date_hierarchy = "on"
    raw_id_fields = ("user",)
