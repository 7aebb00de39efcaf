from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitlementsConfig(AppConfig):
    name = "opora.entitlements"
    label = "entitlements"
    verbose_name = _("Entitlements")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the ticket signal receivers)
