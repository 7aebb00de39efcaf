from django.contrib import admin

from .models import AgentChatLimit, ChatSession, ChatSettings


@admin.register(ChatSettings)
class ChatSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "hours", "team", "max_chats_per_agent"]


@admin.register(AgentChatLimit)
class AgentChatLimitAdmin(admin.ModelAdmin):
    list_display = ["agent", "max_chats"]
    raw_id_fields = ["agent"]


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "ticket",
        "team",
        "agent",
        "status",
        "queued_at",
        "accepted_at",
        "ended_at",
    ]
    list_filter = ["status", "abandoned", "team"]
    raw_id_fields = ["ticket", "agent", "transfer_to", "csat_invitation"]
    readonly_fields = ["last_seq"]
