from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "opora.sla"
    label = "sla"
    verbose_name = _("SLA, routing and automation")

    def ready(self) -> None:
        from opora.tickets import signals

        from . import receivers

        signals.ticket_created.connect(receivers.on_ticket_created, dispatch_uid="sla-created")
        signals.message_added.connect(receivers.on_message_added, dispatch_uid="sla-message")
        signals.ticket_changed.connect(receivers.on_ticket_changed, dispatch_uid="sla-changed")
