from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "opora.incidents"
    label = "incidents"
    verbose_name = _("Incidents")
    # How the ticket timeline names this area's audit lines.
    audit_field_labels = {"incident": _("Incident")}
