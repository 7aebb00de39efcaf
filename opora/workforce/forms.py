"""The planning parameters, as the page's filter form reads them from the query string."""

from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import Team
from opora.tickets.models import Channel, ContactReason

from .history import VolumeFilter
from .planning import PlanSettings

_DEFAULTS = PlanSettings()
INTERVAL_CHOICES = [(15, _("15 minutes")), (30, _("30 minutes")), (60, _("60 minutes"))]


class PlanForm(forms.Form):
    interval = forms.TypedChoiceField(label=_("Interval"), choices=INTERVAL_CHOICES, coerce=int)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All channels")), *Channel.choices], required=False
    )
    reason = forms.ModelChoiceField(
        ContactReason.objects.select_related("parent"),
        label=_("Contact reason"),
        empty_label=_("All reasons"),
        required=False,
    )
    team = forms.ModelChoiceField(
        Team.objects.all(), label=_("Team"), empty_label=_("All teams"), required=False
    )
    service_level = forms.IntegerField(label=_("Service level, %"), min_value=1, max_value=99)
    answer_within = forms.IntegerField(label=_("Answered within, s"), min_value=0, max_value=3600)
    aht = forms.IntegerField(label=_("Average handle time, s"), min_value=1, max_value=36000)
    shrinkage = forms.IntegerField(label=_("Shrinkage, %"), min_value=0, max_value=90)

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "PlanForm":
        """Bound to the query string, with the defaults for whatever it leaves out."""
        defaults = {
            "interval": _DEFAULTS.interval_minutes,
            "service_level": round(_DEFAULTS.service_level * 100),
            "answer_within": round(_DEFAULTS.answer_within_seconds),
            "aht": round(_DEFAULTS.aht_seconds),
            "shrinkage": round(_DEFAULTS.shrinkage * 100),
        }
        given = {name: value for name, value in query.items() if value != ""}
        return cls({**defaults, **given})

    def plan_settings(self) -> PlanSettings:
        data = self.cleaned_data
        return PlanSettings(
            interval_minutes=data["interval"],
            volume=VolumeFilter(
                channel=data["channel"] or None,
                reason_id=data["reason"].pk if data["reason"] else None,
                team_id=data["team"].pk if data["team"] else None,
            ),
            service_level=data["service_level"] / 100,
            answer_within_seconds=data["answer_within"],
            aht_seconds=data["aht"],
            shrinkage=data["shrinkage"] / 100,
        )
