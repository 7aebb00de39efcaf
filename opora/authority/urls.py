from django.urls import path

from . import views

app_name = "authority"

urlpatterns = [
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/approve/", views.approve, name="approve"),
    path("approvals/<int:pk>/reject/", views.reject, name="reject"),
    path("report/", views.report, name="report"),
    path("report.csv", views.report_csv, name="report_csv"),
    path("hand-offs/", views.hand_offs, name="hand_offs"),
    path("hand-offs/<int:pk>/answer/", views.answer_hand_off, name="answer_hand_off"),
    path("tickets/<int:pk>/panel/", views.ticket_panel, name="ticket_panel"),
    path("tickets/<int:pk>/grant/", views.grant, name="grant"),
    path("tickets/<int:pk>/hand-off/", views.hand_off, name="hand_off"),
]
