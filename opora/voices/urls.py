from django.urls import path

from . import views

app_name = "voices"

urlpatterns = [
    path("", views.mentions, name="mentions"),
    path("stream/", views.stream, name="stream"),
    path("import/", views.import_csv, name="import_csv"),
    path("<int:pk>/", views.mention, name="mention"),
    path("<int:pk>/reason/", views.set_reason, name="set_reason"),
    path("<int:pk>/ticket/", views.create_ticket, name="create_ticket"),
    path("<int:pk>/improvement/", views.create_improvement, name="create_improvement"),
]
