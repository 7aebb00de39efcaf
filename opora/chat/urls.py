from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("queue/", views.queue_panel, name="queue"),
    path("widget.js", views.widget_js, name="widget_js"),
    path("widget/config/", views.widget_config, name="widget_config"),
    path("widget/start/", views.widget_start, name="widget_start"),
    path("widget/message/", views.widget_leave_message, name="widget_leave_message"),
    path("demo/", views.demo, name="demo"),
]
