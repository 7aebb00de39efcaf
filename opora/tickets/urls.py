from django.urls import path

from . import views

app_name = "desk"

urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("bulk/", views.bulk_update, name="bulk"),
    path("views/save/", views.save_view, name="save_view"),
    path("tickets/new/", views.new_ticket, name="new_ticket"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/presence/", views.presence, name="presence"),
    path("tickets/<int:pk>/reply/", views.reply, name="reply"),
    path("tickets/<int:pk>/update/", views.update_properties, name="update"),
    path("tickets/<int:pk>/escalate/", views.escalate, name="escalate"),
    path("tickets/<int:pk>/merge/", views.merge, name="merge"),
    path("tickets/<int:pk>/link/", views.link, name="link"),
    path("tickets/<int:pk>/split/<int:message_pk>/", views.split, name="split"),
    path("tickets/<int:pk>/canned/<int:canned_pk>/", views.canned_response, name="canned"),
    path("attachments/<int:pk>/", views.download_attachment, name="attachment"),
]
