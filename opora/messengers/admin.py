"""Bots in the admin: the token and webhook secret can be set but are never shown back."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Bot, Identity, InboundUpdate, OutboundDelivery

SECRET_FIELDS = ("token", "webhook_secret")


class BotForm(forms.ModelForm):
    api_base_url = forms.URLField(
        label=_("API base URL"), assume_scheme="https", initial="https://api.telegram.org"
    )
    token = forms.CharField(
        label=_("API token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current value; the environment variable wins if set"),
    )
    webhook_secret = forms.CharField(
        label=_("webhook secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current value; the environment variable wins if set"),
    )

    class Meta:
        model = Bot
        fields = (
            "platform",
            "bot_id",
            "name",
            "token",
            "webhook_secret",
            "api_base_url",
            "team",
            "is_active",
        )

    def clean(self):
        cleaned = super().clean()
        for name in SECRET_FIELDS:
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    form = BotForm
    list_display = ("name", "platform", "bot_id", "has_token", "has_secret", "team", "is_active")

    @admin.display(boolean=True, description=_("token set"))
    def has_token(self, bot: Bot) -> bool:
        return bool(bot.api_token)

    @admin.display(boolean=True, description=_("secret set"))
    def has_secret(self, bot: Bot) -> bool:
        return bool(bot.secret)


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ("platform", "external_user_id", "username", "customer", "bot")
    search_fields = ("external_user_id", "username", "display_name")
    raw_id_fields = ("customer",)


@admin.register(InboundUpdate)
class InboundUpdateAdmin(admin.ModelAdmin):
    list_display = ("bot", "update_id", "outcome", "detail", "received_at")
    list_filter = ("outcome", "bot")
    raw_id_fields = ("message",)


@admin.register(OutboundDelivery)
class OutboundDeliveryAdmin(admin.ModelAdmin):
    list_display = ("message", "identity", "status", "attempts", "last_error", "sent_at")
    list_filter = ("status",)
    raw_id_fields = ("message", "identity")
