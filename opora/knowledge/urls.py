from django.urls import path

from . import views

app_name = "help"

# Everything under manage/ is for staff; the rest is the public help centre.
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("widget.json", views.widget_data, name="widget"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("a/<int:pk>/", views.article, name="article"),
    path("a/<int:pk>/vote/", views.vote, name="vote"),
    path("a/<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/new/", views.manage_edit, name="manage_new"),
    path("manage/gaps/", views.manage_gaps, name="manage_gaps"),
    path("manage/<int:pk>/", views.manage_edit, name="manage_edit"),
    path("manage/<int:pk>/transition/", views.manage_transition, name="manage_transition"),
    path("manage/<int:pk>/restore/", views.manage_restore, name="manage_restore"),
    path("manage/<int:pk>/attachments/", views.manage_attachments, name="manage_attachments"),
    path(
        "manage/attachments/<int:pk>/delete/",
        views.manage_attachment_delete,
        name="manage_attachment_delete",
    ),
    path(
        "manage/from-message/<int:message_pk>/",
        views.manage_from_message,
        name="manage_from_message",
    ),
]
