from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessengersConfig(AppConfig):
    name = "opora.messengers"
    label = "messengers"
    verbose_name = _("Messengers")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the ticket signal receivers)
