from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthorityConfig(AppConfig):
    name = "opora.authority"
    label = "authority"
    verbose_name = _("Agent authority")
    # How the ticket timeline names this area's audit lines.
    audit_field_labels = {"compensation": _("Compensation"), "hand_off": _("Hand-off")}
