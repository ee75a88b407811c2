from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from minqing.whistles.services import MAX_MINUTES


class WhistleForm(forms.Form):
    departments = forms.MultipleChoiceField(
        label=_("Departments to call"), widget=forms.CheckboxSelectMultiple
    )
    minutes = forms.IntegerField(label=_("Minutes to arrive"), min_value=1, max_value=MAX_MINUTES)
    note = forms.CharField(
        label=_("What the problem is"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.department_list = list(departments)
        field = self.fields["departments"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(d.code, d.name) for d in self.department_list]
        self.fields["minutes"].initial = settings.MINQING_WHISTLE_MINUTES

    def chosen(self):
        codes = set(self.cleaned_data["departments"])
        return [d for d in self.department_list if d.code in codes]


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("How the problem was handled"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
