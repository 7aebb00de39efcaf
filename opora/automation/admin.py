"""Routing, triggers, automations, macros and skills in the Django admin; each model's clean()
names the bad path inside its JSON (``actions.1.value``) under the field."""

from django.contrib import admin

from .models import (
    AgentStatus,
    Automation,
    AutomationRun,
    Macro,
    RoutingRule,
    Skill,
    TeamRouting,
    Trigger,
    WebhookDelivery,
)

RULE_LIST = ("name", "position", "is_active")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = (*RULE_LIST, "team", "priority", "required_skill")
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "team")
    search_fields = ("name",)


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):
    list_display = (*RULE_LIST, "event")
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "event")
    search_fields = ("name",)


@admin.register(Automation)
class AutomationAdmin(admin.ModelAdmin):
    list_display = (*RULE_LIST, "status", "hours")
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "status")
    search_fields = ("name",)


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "team", "is_active")
    list_filter = ("is_active", "team")
    search_fields = ("name",)
    raw_id_fields = ("owner",)


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin):
    list_display = ("team", "strategy", "max_open_tickets_per_agent")


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    filter_horizontal = ("agents", "reasons")


@admin.register(AgentStatus)
class AgentStatusAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "changed_at")
    list_filter = ("status",)
    raw_id_fields = ("user",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The record of what automation did: never edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AutomationRun)
class AutomationRunAdmin(ReadOnlyAdmin):
    list_display = ("automation", "ticket", "episode_started_at", "ran_at", "error")
    raw_id_fields = ("ticket",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("rule_name", "url", "ticket", "status", "attempts", "response_status")
    list_filter = ("status",)
    raw_id_fields = ("ticket",)
