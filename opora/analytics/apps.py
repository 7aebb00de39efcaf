from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "opora.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from .sql import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="analytics_sqlite")
