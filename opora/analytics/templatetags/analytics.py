"""Figures as people read them: durations in h/min, changes with a sign."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(m)s min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(d)s d %(h)s h") % {"d": hours // 24, "h": hours % 24}


@register.filter
def figure(value: float | None, unit: str) -> str:
    """A headline figure in its unit."""
    if value is None:
        return "—"
    if unit == "seconds":
        return duration(value)
    if unit == "percent":
        return f"{value:.1f} %"
    return f"{value:,.0f}".replace(",", "\u202f") if value == int(value) else f"{value:.1f}"


@register.filter
def signed_percent(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f} %"
