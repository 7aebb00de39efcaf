from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "opora.feedback"
    label = "feedback"
    verbose_name = _("Feedback and surveys")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the ticket signal receivers)
