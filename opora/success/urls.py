from django.urls import path

from . import views

app_name = "success"

urlpatterns = [
    path("", views.accounts, name="accounts"),
    path("<int:pk>/", views.account, name="account"),
]
