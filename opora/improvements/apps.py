from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementsConfig(AppConfig):
    name = "opora.improvements"
    label = "improvements"
    verbose_name = _("Improvement backlog")

    def ready(self) -> None:
        from . import receivers  # noqa: F401
