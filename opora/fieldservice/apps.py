from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldServiceConfig(AppConfig):
    name = "opora.fieldservice"
    label = "fieldservice"
    verbose_name = _("Field service")
    # How the ticket timeline names this area's audit lines.
    audit_field_labels = {"work_order": _("Work order")}
