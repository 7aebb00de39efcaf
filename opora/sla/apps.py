from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "opora.sla"
    label = "sla"
    verbose_name = _("SLA, routing and automation")
