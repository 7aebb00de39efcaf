from django.urls import path

from . import views

app_name = "improvements"

urlpatterns = [
    path("", views.backlog, name="backlog"),
    path("new/", views.item_new, name="item_new"),
    path("<int:pk>/", views.item_detail, name="item"),
    path("<int:pk>/edit/", views.item_update, name="item_update"),
    path("tickets/<int:pk>/propose/", views.propose_from_ticket, name="propose_from_ticket"),
    path("tickets/<int:pk>/link/", views.link_ticket, name="link_ticket"),
    path("reasons/", views.reasons, name="reasons"),
    path("reasons/<int:pk>/propose/", views.propose_from_reason, name="propose_from_reason"),
    path("survey-comments/", views.survey_comments, name="survey_comments"),
    path("responses/<int:pk>/propose/", views.propose_from_response, name="propose_from_response"),
    path("ideas/", views.ideas, name="ideas"),
    path("ideas/<int:pk>/vote/", views.idea_vote, name="idea_vote"),
    path("ideas/<int:pk>/accept/", views.idea_accept, name="idea_accept"),
    path("ideas/<int:pk>/decline/", views.idea_decline, name="idea_decline"),
]
