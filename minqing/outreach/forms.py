from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minqing.core.forms import DateInput, DateTimeInput, set_choices
from minqing.outreach.models import SessionKind


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    community = forms.ChoiceField(label=_("Community"))
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    hosts = forms.MultipleChoiceField(
        label=_("Hosts"), required=False, widget=forms.CheckboxSelectMultiple
    )
    liaison_units = forms.MultipleChoiceField(
        label=_("Liaison units"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, communities=(), hosts=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["community"], [(c.code, c.name) for c in communities])
        set_choices(self.fields["hosts"], [(str(u.pk), str(u)) for u in hosts])
        set_choices(self.fields["liaison_units"], [(u.code, u.name) for u in units])


class RecordForm(forms.Form):
    attendance = forms.IntegerField(label=_("How many residents came"), min_value=0)
    notes = forms.CharField(
        label=_("What was said"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    revisit_on = forms.DateField(
        label=_("Come back on"),
        required=False,
        help_text=_("The day the officials return to show what was done."),
        widget=DateInput(),
    )
    notes = forms.CharField(
        label=_("Closing notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevisitDoneForm(forms.Form):
    note = forms.CharField(
        label=_("What you showed the residents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
