from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.home, name="home"),
    path("pulse/<int:pk>/", views.answer, name="pulse_answer"),
    path("pulse/<int:pk>/results/", views.results, name="pulse_results"),
    path("turnover/", views.turnover, name="turnover"),
]
