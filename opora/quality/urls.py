from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/comment/", views.comment, name="comment"),
    path("reviews/<int:pk>/dispute/", views.dispute, name="dispute"),
    path("disputes/<int:pk>/decide/", views.decide, name="decide"),
    path("tickets/<int:pk>/score/", views.score, name="score"),
    path("samples/new/", views.sample_new, name="sample_new"),
    path("samples/<int:pk>/", views.sample, name="sample"),
    path("calibrations/new/", views.calibration_new, name="calibration_new"),
    path("calibrations/<int:pk>/", views.calibration, name="calibration"),
    path("recognition/", views.recognition, name="recognition"),
    path("audits/", views.audits, name="audits"),
    path("audits/<int:pk>/report/", views.audit_report, name="audit_report"),
    path("shopper/", views.shopper_visits, name="shopper_visits"),
    path("shopper/visits/<int:pk>/", views.shopper_visit, name="shopper_visit"),
    path("shopper/visits/<int:pk>/evidence/", views.shopper_upload, name="shopper_upload"),
    path("evidence/<int:pk>/", views.shopper_evidence, name="shopper_evidence"),
]
