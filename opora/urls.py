from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from opora.api.api import api
from opora.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", include("opora.tickets.urls")),
    path("desk/customers/", include("opora.customers.urls")),
    path("desk/automation/", include("opora.automation.urls")),
    path("portal/", include("opora.portal.urls")),
    path("workforce/", include("opora.workforce.urls")),
    path("help/", include("opora.knowledge.urls")),
    path("feedback/", include("opora.feedback.urls")),
    path("chat/", include("opora.chat.urls")),
    path("phone/", include("opora.telephony.urls")),
    path("messengers/", include("opora.messengers.urls")),
    path("entitlements/", include("opora.entitlements.urls")),
    path("incidents/", include("opora.incidents.urls")),
    path("authority/", include("opora.authority.urls")),
    path("improvements/", include("opora.improvements.urls")),
    path("quality/", include("opora.quality.urls")),
    path("people/", include("opora.people.urls")),
    path("field/", include("opora.fieldservice.urls")),
    path("success/", include("opora.success.urls")),
    path("voices/", include("opora.voices.urls")),
    path("analytics/", include("opora.analytics.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False), name="api-docs"),
    path("api/openapi.json", RedirectView.as_view(url="/api/v1/openapi.json", permanent=False)),
    path("healthz", core_views.healthz, name="healthz"),
]
