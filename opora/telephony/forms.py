"""Forms of the phone pages; they only shape input, the services validate the domain rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Direction, Outcome
from .services import CallbackRequest, CallLog


class CallLogForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=720, initial=0)
    seconds = forms.IntegerField(label=_("Seconds"), min_value=0, max_value=59, initial=0)
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def call_log(self) -> CallLog:
        data = self.cleaned_data
        return CallLog(
            direction=data["direction"],
            outcome=data["outcome"],
            duration_seconds=data["minutes"] * 60 + data["seconds"],
            phone=data["phone"],
            notes=data["notes"],
        )


class AttemptForm(CallLogForm):
    """A callback attempt: always outbound, to the callback's number."""

    direction = None
    phone = None

    def call_log(self) -> CallLog:
        data = self.cleaned_data
        return CallLog(
            direction=Direction.OUTBOUND,
            outcome=data["outcome"],
            duration_seconds=data["minutes"] * 60 + data["seconds"],
            notes=data["notes"],
        )


class CallbackForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    phone = forms.CharField(label=_("Phone number"), max_length=40)
    preferred_at = forms.DateTimeField(
        label=_("Preferred time"),
        required=False,
        help_text=_("Leave empty to be called as soon as possible"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    topic = forms.CharField(label=_("What is it about?"), max_length=250, required=False)

    def callback_request(self) -> CallbackRequest:
        data = self.cleaned_data
        return CallbackRequest(
            phone=data["phone"],
            name=data.get("name", ""),
            topic=data["topic"],
            preferred_at=data["preferred_at"],
        )


class AgentCallbackForm(CallbackForm):
    """From the ticket: the customer's name and number are already known."""

    name = None
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        required=False,
        help_text=_("Empty: the customer's number"),
    )
    topic = forms.CharField(label=_("Topic"), max_length=250, required=False)


class PortalCallbackForm(CallbackForm):
    """A logged-in customer: we know who they are."""

    name = None
