from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "opora.mail"
    label = "mail"
    verbose_name = _("E-mail channel")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the ticket signal receivers)
