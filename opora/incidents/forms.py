from django import forms
from django.utils.translation import gettext_lazy as _

from opora.tickets.models import ResolutionCode

from .models import Incident


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = [
            "title",
            "description",
            "is_public",
            "banner_title",
            "banner_body",
            "banner_title_en",
            "banner_body_en",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "banner_body": forms.Textarea(attrs={"rows": 2}),
            "banner_body_en": forms.Textarea(attrs={"rows": 2}),
        }


class ResolveForm(forms.Form):
    message = forms.CharField(
        label=_("Message to every affected customer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
    solve_tickets = forms.BooleanField(
        label=_("Solve the linked tickets"), required=False, initial=True
    )
    resolution_code = forms.ChoiceField(
        label=_("Resolution code"),
        choices=ResolutionCode.choices,
        initial=ResolutionCode.SOFTWARE_FIX,
    )
    post_incident_note = forms.CharField(
        label=_("Post-incident note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
