from django.urls import path

from . import views

app_name = "messengers"

urlpatterns = [
    # Public: Telegram calls it; the secret token header (setWebhook secret_token) is the credential.
    path("telegram/<slug:bot_id>/webhook", views.telegram_webhook, name="telegram_webhook"),
]
