from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.new_incident, name="new"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/edit/", views.edit_incident, name="edit"),
    path("<int:pk>/link/", views.link_tickets, name="link"),
    path("<int:pk>/unlink/<int:ticket_pk>/", views.unlink_ticket, name="unlink"),
    path("<int:pk>/broadcast/", views.broadcast, name="broadcast"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/note/", views.post_incident_note, name="note"),
    path("tickets/<int:pk>/link/", views.link_from_ticket, name="link_from_ticket"),
]
