from django.urls import path

from . import views

app_name = "telephony"

urlpatterns = [
    path("callbacks/", views.callback_queue, name="callbacks"),
    path("callbacks/<int:pk>/attempt/", views.callback_attempt, name="callback_attempt"),
    path("callbacks/<int:pk>/cancel/", views.callback_cancel, name="callback_cancel"),
    path("tickets/<int:pk>/calls/", views.ticket_log_call, name="ticket_log_call"),
    path("tickets/<int:pk>/callback/", views.ticket_schedule_callback, name="ticket_callback"),
    path("my/", views.my_callbacks, name="my_callbacks"),
    path("my/<int:pk>/", views.my_callback, name="my_callback"),
    path("my/<int:pk>/cancel/", views.my_callback_cancel, name="my_callback_cancel"),
    # Public: the web form anyone may use, and the provider's webhook (signed with a shared secret).
    path("callback/", views.request_callback, name="request_callback"),
    path("webhooks/missed-call", views.missed_call_webhook, name="missed_call_webhook"),
]
