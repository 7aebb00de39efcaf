from django.urls import path

from . import views

app_name = "entitlements"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("import/", views.import_assets, name="import"),
    path("tickets/<int:pk>/serial/", views.link_serial, name="link_serial"),
    # The customer portal's page: the customer's own (and shared organisation's) assets.
    path("my/", views.my_assets, name="my_assets"),
]
