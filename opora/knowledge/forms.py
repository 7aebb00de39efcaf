from django import forms
from django.utils.translation import gettext_lazy as _

from opora.tickets.models import ContactReason

from .models import Article, Section


class ArticleForm(forms.ModelForm):
    contexts = forms.CharField(
        label=_("Help contexts"),
        required=False,
        help_text=_("Product page keys, separated by commas, e.g. billing-invoices"),
    )
    note = forms.CharField(label=_("What changed"), required=False, max_length=200)

    class Meta:
        model = Article
        fields = ["title", "body", "section", "language", "visibility", "reasons"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.select_related("category")
        self.fields["reasons"].queryset = ContactReason.objects.select_related("parent")
        self.fields["reasons"].required = False
        if self.instance.pk:
            self.initial["contexts"] = ", ".join(
                self.instance.contexts.values_list("key", flat=True)
            )

    def context_keys(self) -> list[str]:
        return [key.strip() for key in self.cleaned_data["contexts"].split(",") if key.strip()]


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("1", _("Yes")), ("0", _("No"))], coerce=lambda value: value == "1"
    )
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000)


class DraftFromMessageForm(forms.Form):
    section = forms.ModelChoiceField(label=_("Section"), queryset=Section.objects.all())
