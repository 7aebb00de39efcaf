"""Macros on the ticket page and the agent's status: one query each, whatever the ticket."""

from django import template
from django.db.models import QuerySet

from opora.accounts.models import User
from opora.automation import services
from opora.automation.models import AgentStatus, Availability, Macro

register = template.Library()


@register.simple_tag
def available_macros(user: User) -> QuerySet[Macro]:
    return services.macros_for(user).only("pk", "name")


@register.simple_tag
def my_agent_status(user: User) -> AgentStatus:
    return services.agent_status(user)


@register.simple_tag
def availability_choices() -> list[tuple[str, str]]:
    return list(Availability.choices)
