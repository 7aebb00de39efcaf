from django import forms
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import Role, Team, User
from opora.customers.models import Customer

from .models import (
    Channel,
    ContactReason,
    CustomField,
    CustomFieldKind,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketType,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def staff_users():
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.CUSTOMER)
        .order_by("first_name", "last_name")
    )


def reasons():
    return (
        ContactReason.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("parent__name", "name")
    )


class ReasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContactReason) -> str:
        return obj.path_label


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=MessageKind.choices, initial=MessageKind.REPLY
    )
    status_after = forms.ChoiceField(
        label=_("Then set status"),
        required=False,
        choices=[("", _("— keep —"))]
        + [
            (s.value, s.label) for s in (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED)
        ],
    )
    files = MultipleFileField(label=_("Attachments"))


class TicketPropertiesForm(forms.ModelForm):
    reason = ReasonChoiceField(queryset=reasons(), required=False, label=_("Contact reason"))
    assignee = forms.ModelChoiceField(queryset=staff_users(), required=False, label=_("Assignee"))
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas"))
    collaborators = forms.ModelMultipleChoiceField(
        queryset=staff_users(),
        required=False,
        label=_("Collaborators"),
        help_text=_("Colleagues who help; the assignee stays accountable"),
    )

    class Meta:
        model = Ticket
        fields = [
            "status",
            "priority",
            "type",
            "reason",
            "team",
            "assignee",
            "product",
            "serial_number",
            "resolution_code",
            "root_cause",
        ]
        widgets = {"root_cause": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = reasons()
        self.fields["assignee"].queryset = staff_users()
        self.fields["collaborators"].queryset = staff_users()
        if self.instance.pk:
            self.fields["tags"].initial = ", ".join(tag.name for tag in self.instance.tags.all())
            self.fields["collaborators"].initial = list(self.instance.collaborators.all())
        self._add_custom_fields()

    def _add_custom_fields(self) -> None:
        """One form field per active custom field definition, named custom__<key>."""
        values = self.instance.custom_fields if self.instance.pk else {}
        for definition in CustomField.objects.filter(is_active=True):
            name = f"custom__{definition.key}"
            if definition.kind == CustomFieldKind.CHOICE:
                field = forms.ChoiceField(
                    choices=[("", "—"), *((c, c) for c in definition.choices)]
                )
            elif definition.kind == CustomFieldKind.NUMBER:
                field = forms.FloatField()
            elif definition.kind == CustomFieldKind.CHECKBOX:
                field = forms.BooleanField()
            elif definition.kind == CustomFieldKind.DATE:
                field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
            else:
                field = forms.CharField(max_length=500)
            field.required = False
            field.label = definition.label
            field.initial = values.get(definition.key)
            self.fields[name] = field

    def custom_field_values(self) -> dict:
        """Values to store: dates as ISO strings, empty choices and texts left out."""
        values = {}
        for name, value in self.cleaned_data.items():
            if not name.startswith("custom__") or value in ("", None):
                continue
            values[name.removeprefix("custom__")] = (
                value.isoformat() if hasattr(value, "isoformat") else value
            )
        return values

    def clean_tags(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


class NewTicketForm(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(),
        label=_("Customer"),
        widget=forms.NumberInput(attrs={"placeholder": _("Customer ID")}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    type = forms.ChoiceField(
        label=_("Type"), choices=TicketType.choices, initial=TicketType.QUESTION
    )
    reason = ReasonChoiceField(queryset=reasons(), required=False, label=_("Contact reason"))
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, label=_("Team"))
    files = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = reasons()


class EscalateForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.all(), label=_("To team"))
    note = forms.CharField(
        label=_("What the next line needs to know"), widget=forms.Textarea(attrs={"rows": 2})
    )


class TicketNumberForm(forms.Form):
    target = forms.IntegerField(label=_("Ticket number"), min_value=1, max_value=2**63 - 1)


class BulkForm(forms.Form):
    ids = forms.CharField()
    status = forms.ChoiceField(required=False, choices=[("", ""), *Status.choices])
    priority = forms.ChoiceField(required=False, choices=[("", ""), *Priority.choices])
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    assign_to_me = forms.BooleanField(required=False)

    def clean_ids(self) -> list[int]:
        try:
            ids = [int(value) for value in self.cleaned_data["ids"].split(",") if value.strip()]
        except ValueError as error:
            raise forms.ValidationError(_("Select tickets first")) from error
        if not ids or len(ids) > 200:
            raise forms.ValidationError(_("Select between 1 and 200 tickets"))
        return ids
