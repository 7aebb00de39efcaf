from django.urls import path

from . import views

app_name = "fieldservice"

urlpatterns = [
    path("", views.board, name="board"),
    path("ticket/<int:pk>/new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/book/", views.book, name="book"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/visit/", views.visit, name="visit"),
    path("my/", views.my_appointments, name="my_appointments"),
    path("my/<int:pk>/", views.my_appointment, name="my_appointment"),
    path("a/<str:token>/", views.appointment, name="appointment"),
]
