from django.urls import path

from . import views

app_name = "automation"

urlpatterns = [
    path("tickets/<int:pk>/macro/", views.apply_macro, name="apply_macro"),
    path("status/", views.set_status, name="set_status"),
]
