from django.urls import path

from opora.tickets.views import download_attachment

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("signup/", views.signup, name="signup"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("tickets/new/", views.new_ticket, name="new_ticket"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reply/", views.reply, name="reply"),
    path("attachments/<int:pk>/", download_attachment, name="attachment"),
]
