from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("verbatims/", views.verbatims, name="verbatims"),
    path("responses.csv", views.responses_csv, name="responses_csv"),
    path("kudos/", views.kudos, name="kudos"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/close/", views.close_follow_up, name="close_follow_up"),
    path("loyalty/", views.loyalty, name="loyalty"),
    path("my/", views.my_surveys, name="my_surveys"),
    # Public: the signed token is the only credential.
    path("a/<str:token>/", views.answer, name="answer"),
    path("s/<str:token>/", views.survey, name="survey"),
]
