"""Ticket-page panels contributed by other areas: entitlement coverage, calls and callbacks,
incidents, compensation, QA reviews…

An app contributes by shipping `ticket_panel.py` with `panel(request, ticket) -> dict | None`
(None: nothing to show for this ticket or this user). The dict is the panel's template context
and names its template under "template". Keep each panel to a query or two: the ticket page's
query count is bounded by tests."""

from functools import cache
from importlib import import_module

from django.apps import apps
from django.http import HttpRequest

from .models import Ticket


@cache
def _panel_functions() -> list:
    functions = []
    for config in apps.get_app_configs():
        if not config.name.startswith("opora."):
            continue
        try:
            module = import_module(f"{config.name}.ticket_panel")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.ticket_panel":
                raise
            continue
        functions.append(module.panel)
    return functions


def ticket_panels(request: HttpRequest, ticket: Ticket) -> list[dict]:
    return [
        panel
        for panel in (function(request, ticket) for function in _panel_functions())
        if panel is not None
    ]
