from django import forms
from django.utils.translation import gettext_lazy as _

from opora.tickets.forms import MultipleFileField


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, min_length=8, max_length=128
    )


class PortalTicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(
        label=_("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=100_000,
    )
    files = MultipleFileField(label=_("Attachments"))


class PortalReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000
    )
    files = MultipleFileField(label=_("Attachments"))
