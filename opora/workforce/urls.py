from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("roster/", views.roster, name="roster"),
    path("requirement.csv", views.requirement_csv, name="requirement_csv"),
    path("budget.csv", views.budget_csv, name="budget_csv"),
    path("save/", views.save_forecast, name="save_forecast"),
]
