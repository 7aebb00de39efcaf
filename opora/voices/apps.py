from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoicesConfig(AppConfig):
    name = "opora.voices"
    label = "voices"
    verbose_name = _("Outside voices")
    # How the ticket timeline names this area's audit lines.
    audit_field_labels = {"mention": _("Outside voice")}
