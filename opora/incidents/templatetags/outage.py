"""{% load outage %}{% outage_banners %}: the portal's banner for open public incidents."""

from django import template

from opora.incidents.services import active_banners

register = template.Library()


@register.inclusion_tag("incidents/_banners.html")
def outage_banners() -> dict:
    return {"banners": active_banners()}
