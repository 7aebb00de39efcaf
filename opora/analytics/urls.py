from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("product/", views.product, name="product"),
    path("tickets/", views.drill_down, name="tickets"),
    path("export/<slug:report>/<slug:fmt>/", views.export, name="export"),
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
]
