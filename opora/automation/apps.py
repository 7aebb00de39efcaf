from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "opora.automation"
    label = "automation"
    verbose_name = _("Routing and automation")

    def ready(self) -> None:
        from opora.tickets import signals

        from . import receivers

        signals.ticket_created.connect(
            receivers.on_ticket_created, dispatch_uid="automation-created"
        )
        signals.ticket_changed.connect(
            receivers.on_ticket_changed, dispatch_uid="automation-changed"
        )
